import {
  NewTicketRefusal,
  UsageLimitName,
  USAGE_WARN_AT,
  usageShare,
  type UsageMeter,
  type WorkspaceUsageResponse,
} from '@desk/protocol';
import { usageKey } from '$lib/offline/localKeys.ts';

/** The words when a new ticket would not fit (issue 15 #4). */
export const WORKSPACE_FULL = 'Workspace full — upgrade or archive';

/** A new ticket was refused before anything was written: the plan has no room for it. */
export class WorkspaceFullError extends Error {
  constructor(message: string | null) {
    super(message ?? WORKSPACE_FULL);
    this.name = 'WorkspaceFullError';
  }
}

/** How often an open workspace asks again: usage grows slowly, and each ticket refreshes it. */
const REFRESH_MS = 5 * 60 * 1000;
/** After a ticket is created, ask again this much later (creations come in bursts). */
const AFTER_CHANGE_MS = 5_000;

/**
 * A workspace's usage against its plan's limits, for every member's app: the meters of
 * Settings, the banner at 80 %, and the up-front refusal of new tickets when the workspace
 * is full — so the app never shows a ticket the server will refuse. The last answer is kept
 * in localStorage, so a full workspace is known to be full also offline.
 */
export class WorkspaceUsage {
  usage = $state.raw<WorkspaceUsageResponse | null>(null);

  /** A new ticket would be refused by a limit of the plan. */
  readonly full = $derived(this.usage !== null && !this.usage.newTickets.allowed);
  /**
   * Bytes the workspace's storage (documents plus attachments) has left, as last known;
   * null when not known or not limited. Uploads bigger than this are refused up front.
   */
  readonly storageLeft: number | null = $derived.by(() => {
    const meter = this.usage?.meters.find((m) => m.name === UsageLimitName.storage);
    return meter && meter.limit !== null ? meter.limit - meter.used : null;
  });
  /** Meters at or past the warning share (80 %), fullest first. */
  readonly warnings: readonly UsageMeter[] = $derived(
    (this.usage?.meters ?? [])
      .filter((m) => usageShare(m) >= USAGE_WARN_AT)
      .sort((a, b) => usageShare(b) - usageShare(a)),
  );

  #workspaceId: string | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #stopped = false;

  constructor(
    private readonly slug: string,
    private readonly fetchUsage: (slug: string) => Promise<WorkspaceUsageResponse>,
  ) {}

  /** Shows the last known usage at once, then asks the server (and again every 5 minutes). */
  start(workspaceId: string): void {
    this.#workspaceId = workspaceId;
    try {
      const cached = localStorage.getItem(usageKey(workspaceId));
      if (cached) this.usage = JSON.parse(cached) as WorkspaceUsageResponse;
    } catch {
      // No cache (storage blocked or damaged): wait for the server.
    }
    void this.refresh();
  }

  /** Asks the server now; offline, the last answer stays. */
  async refresh(): Promise<void> {
    if (this.#stopped) return;
    this.#schedule(REFRESH_MS);
    try {
      const usage = await this.fetchUsage(this.slug);
      if (this.#stopped) return;
      this.usage = usage;
      if (this.#workspaceId)
        localStorage.setItem(usageKey(this.#workspaceId), JSON.stringify(usage));
    } catch {
      // Unreachable or refused: keep what is known; the next refresh tries again.
    }
  }

  /** Something grew (a ticket was created): ask again soon. */
  changed(): void {
    this.#schedule(AFTER_CHANGE_MS);
  }

  destroy(): void {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.refresh(), ms);
  }
}

/** Why no new ticket fits, in words, or null when one does. */
export function newTicketRefusal(usage: WorkspaceUsageResponse | null): string | null {
  if (usage === null || usage.newTickets.allowed) return null;
  switch (usage.newTickets.reason) {
    case NewTicketRefusal.indexFull:
      return `${WORKSPACE_FULL}: the ticket index has reached the largest document the ${usage.plan.name} plan allows. Upgrade the plan, or delete or archive old tickets.`;
    case NewTicketRefusal.ticketLimit:
      return `${WORKSPACE_FULL}: the ${usage.plan.name} plan’s ticket limit is reached. Upgrade the plan, or delete old tickets.`;
    case NewTicketRefusal.storageFull:
      return `${WORKSPACE_FULL}: documents and attachments use all the storage of the ${usage.plan.name} plan. Upgrade the plan, or delete old attachments or tickets.`;
    case null:
      return WORKSPACE_FULL;
  }
}
