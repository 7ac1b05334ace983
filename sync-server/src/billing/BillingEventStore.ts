import type { SqliteDatabase } from '../db/Database.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';

/**
 * The payment provider's events already applied (table `billing_events`), so a replay is
 * refused: an id is recorded in the same transaction as the event's effect.
 */
export interface BillingEventStore {
  wasReceived(eventId: string): boolean;
  record(event: { id: string; type: string; workspaceId: string; at: number }): void;
  /** Whether the workspace an event names exists (events may outlive a deleted one). */
  workspaceExists(workspaceId: string): boolean;
}

/** The BillingEventStore as callers see it once PostgreSQL may be behind it (`SqlBillingEventStore`). */
export type AsyncBillingEventStore = AsyncStore<BillingEventStore>;

export class SqliteBillingEventStore implements BillingEventStore {
  readonly #seen;
  readonly #remember;
  readonly #workspace;

  constructor(db: SqliteDatabase) {
    this.#seen = db.prepare('SELECT 1 FROM billing_events WHERE event_id = ?');
    this.#remember = db.prepare(
      'INSERT INTO billing_events (event_id, type, workspace_id, received_at) VALUES (?, ?, ?, ?)',
    );
    this.#workspace = db.prepare('SELECT 1 FROM workspaces WHERE id = ?');
  }

  wasReceived(eventId: string): boolean {
    return this.#seen.get(eventId) !== undefined;
  }

  record(event: { id: string; type: string; workspaceId: string; at: number }): void {
    this.#remember.run(event.id, event.type, event.workspaceId, event.at);
  }

  workspaceExists(workspaceId: string): boolean {
    return this.#workspace.get(workspaceId) !== undefined;
  }
}
