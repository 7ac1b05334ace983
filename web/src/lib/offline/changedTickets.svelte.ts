import type { ChangedWhileAway } from './ChangedWhileAway.ts';

/**
 * Tickets changed by others while this device was offline, for the ticket list to
 * highlight (`changedTickets.has(id)`). Filled by the sync status bar of the open workspace;
 * one per tab because one workspace is open at a time.
 */
class ChangedTickets {
  ids = $state.raw<ReadonlySet<string>>(new Set());
  #tracker: ChangedWhileAway | null = null;

  has(ticketId: string): boolean {
    return this.ids.has(ticketId);
  }

  /** The ticket was opened: it is no longer news. */
  seen(ticketId: string): void {
    this.#tracker?.seen(ticketId);
  }

  dismissAll(): void {
    this.#tracker?.dismissAll();
  }

  /** Called by the status bar; `null` when the workspace closes. */
  attach(tracker: ChangedWhileAway | null): void {
    this.#tracker = tracker;
    this.ids = new Set(tracker?.ids ?? []);
  }

  update(ids: ReadonlySet<string>): void {
    this.ids = new Set(ids);
  }
}

export const changedTickets = new ChangedTickets();
