/**
 * Every subscription plan, as data. This is the one place plan numbers live: seat limits,
 * quotas and retention are read from here by seats, storage, sync and snapshots. Change a
 * number here and every enforcement point follows. The database stores only a plan id (and
 * the operator's custom seat limit, which wins over the plan's).
 */
export interface Plan {
  readonly id: PlanId;
  readonly name: string;
  /** Whether customers pay for it; the trial is the only free plan. */
  readonly paid: boolean;
  /** Members (seats) a workspace may have, owner included. */
  readonly seatLimit: number;
  /** Total stored attachments and document state per workspace, in bytes. */
  readonly storageQuotaBytes: number;
  /**
   * Largest Yjs document, in stored bytes (merged state plus log); updates that would pass
   * it are refused (UpdatePipeline; SPEC.md, LIMIT).
   */
  readonly documentSizeLimitBytes: number;
  /**
   * Ticket documents (`<ws>:ticket:<id>`) a workspace may hold; the first write of one more
   * is refused (UpdatePipeline; SPEC.md, LIMIT-7). Generous: a limit for abuse, not for sales.
   */
  readonly ticketLimit: number;
  /**
   * Document updates accepted per sync connection and per workspace: token buckets of
   * `burst` updates refilled at `perSecond` (UpdatePipeline, both endpoints; SPEC.md,
   * LIMIT-9). An update past either bucket is refused whole with `rate_limited` (/sync, with
   * a retry delay) or closes a /yjs socket with 4529; the client resends it. Sized well above
   * a person typing (the web client sends at most a few dozen updates a second while typing
   * fast, and a reconnect's step 2 is one update per doc), to stop floods, not users.
   */
  readonly updateRate: UpdateRate;
  /**
   * New chat messages (channel docs) one member may post per minute in a workspace: a token
   * bucket of this many, refilled over a minute (UpdatePipeline; SPEC.md, LIMIT-10). Over it
   * the update carrying them is refused whole with `rate_limited` and the wait; the client
   * sends it again after the wait.
   */
  readonly messagesPerMinute: number;
  /** How long periodic workspace snapshots are kept, in days. */
  readonly snapshotRetentionDays: number;
  /** Length of the free trial in days; only the trial plan has one. */
  readonly trialDays: number | null;
}

/** A token bucket: `burst` at once, refilled at `perSecond`. */
export interface RateLimit {
  readonly burst: number;
  readonly perSecond: number;
}

/** The update-rate limits of a plan (see `Plan.updateRate`). */
export interface UpdateRate {
  readonly perConnection: RateLimit;
  readonly perWorkspace: RateLimit;
}

/** Every plan: one connection is one person's device whatever the plan. */
const perConnection: RateLimit = { burst: 600, perSecond: 100 };

const MB = 1024 * 1024;
const GB = 1024 * MB;

export const plans = {
  trial: {
    id: 'trial',
    name: 'Trial',
    paid: false,
    seatLimit: 5,
    storageQuotaBytes: 1 * GB,
    documentSizeLimitBytes: 5 * MB,
    ticketLimit: 2_000,
    updateRate: { perConnection, perWorkspace: { burst: 2_000, perSecond: 300 } },
    messagesPerMinute: 30,
    snapshotRetentionDays: 7,
    trialDays: 14,
  },
  starter: {
    id: 'starter',
    name: 'Starter',
    paid: true,
    seatLimit: 10,
    storageQuotaBytes: 10 * GB,
    documentSizeLimitBytes: 10 * MB,
    ticketLimit: 25_000,
    updateRate: { perConnection, perWorkspace: { burst: 4_000, perSecond: 600 } },
    messagesPerMinute: 60,
    snapshotRetentionDays: 30,
    trialDays: null,
  },
  team: {
    id: 'team',
    name: 'Team',
    paid: true,
    seatLimit: 50,
    storageQuotaBytes: 100 * GB,
    documentSizeLimitBytes: 20 * MB,
    ticketLimit: 100_000,
    updateRate: { perConnection, perWorkspace: { burst: 10_000, perSecond: 1_500 } },
    messagesPerMinute: 60,
    snapshotRetentionDays: 90,
    trialDays: null,
  },
  business: {
    id: 'business',
    name: 'Business',
    paid: true,
    seatLimit: 250,
    storageQuotaBytes: 1024 * GB,
    documentSizeLimitBytes: 50 * MB,
    ticketLimit: 250_000,
    updateRate: { perConnection, perWorkspace: { burst: 20_000, perSecond: 3_000 } },
    messagesPerMinute: 120,
    snapshotRetentionDays: 365,
    trialDays: null,
  },
} as const satisfies Record<string, Omit<Plan, 'id'> & { id: string }>;

export type PlanId = keyof typeof plans;

export const planIds = Object.keys(plans) as PlanId[];

export const trialPlan: Plan = plans.trial;

export function isPlanId(value: string): value is PlanId {
  return Object.hasOwn(plans, value);
}

/** The plan with this id; an unknown id (a plan retired from this file) falls back to trial. */
export function planById(id: string): Plan {
  return isPlanId(id) ? plans[id] : trialPlan;
}
