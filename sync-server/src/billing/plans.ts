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
  /** How long periodic workspace snapshots are kept, in days. */
  readonly snapshotRetentionDays: number;
  /** Length of the free trial in days; only the trial plan has one. */
  readonly trialDays: number | null;
}

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
