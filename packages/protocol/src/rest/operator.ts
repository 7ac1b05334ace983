/**
 * REST bodies of the operator console (`/api/operator/*` except terms): plans, the
 * customer and user searches, and the account actions. Account information only (terms
 * §3): nothing here describes workspace content.
 */
import { z } from 'zod';
import { PLAN_IDS, SUBSCRIPTION_STATES, WORKSPACE_READ_ONLY_REASONS } from '../workspaces.ts';
import { Millis } from './common.ts';

export const ACCOUNT_STATUSES = ['active', 'suspended'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

/** A token bucket: `burst` at once, refilled at `perSecond`. */
const RateLimit = z.strictObject({ burst: z.number().int(), perSecond: z.number() });

/** A subscription plan, as data. */
export const Plan = z.strictObject({
  id: z.enum(PLAN_IDS),
  name: z.string(),
  /** Whether customers pay for it; the trial is the only free plan. */
  paid: z.boolean(),
  seatLimit: z.number().int(),
  storageQuotaBytes: z.number().int(),
  documentSizeLimitBytes: z.number().int(),
  /** Ticket documents a workspace may hold (SPEC.md, LIMIT-7). */
  ticketLimit: z.number().int(),
  /** Updates per connection and per workspace (SPEC.md, LIMIT-9). */
  updateRate: z.strictObject({ perConnection: RateLimit, perWorkspace: RateLimit }),
  /** New chat messages one member may post per minute (SPEC.md, LIMIT-10). */
  messagesPerMinute: z.number().int(),
  snapshotRetentionDays: z.number().int(),
  /** Length of the free trial in days; only the trial plan has one. */
  trialDays: z.number().int().nullable(),
});
export type Plan = z.infer<typeof Plan>;

export const PlanList = z.strictObject({ plans: z.array(Plan) });
export type PlanList = z.infer<typeof PlanList>;

/** A search of the directory: `q` matches names, emails, slugs; paged. */
export const DirectoryQuery = z.object({
  q: z.string().max(200).default(''),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
export type DirectoryQuery = z.input<typeof DirectoryQuery>;

export const CustomerWorkspace = z.strictObject({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  plan: z.strictObject({ id: z.enum(PLAN_IDS), name: z.string() }),
  state: z.enum(SUBSCRIPTION_STATES),
  readOnlyReason: z.enum(WORKSPACE_READ_ONLY_REASONS).nullable(),
  seats: z.strictObject({ used: z.number().int(), limit: z.number().int() }),
  seatLimitOverride: z.number().int().nullable(),
  trialEndsAt: Millis.nullable(),
  deleteAfter: Millis.nullable(),
});
export type CustomerWorkspace = z.infer<typeof CustomerWorkspace>;

export const CustomerSummary = z.strictObject({
  id: z.string(),
  kind: z.enum(['organization', 'person']),
  name: z.string(),
  createdAt: Millis,
  owner: z.strictObject({
    id: z.string(),
    displayName: z.string(),
    email: z.string(),
    phone: z.string().nullable(),
    status: z.enum(ACCOUNT_STATUSES),
  }),
  workspaces: z.array(CustomerWorkspace),
});
export type CustomerSummary = z.infer<typeof CustomerSummary>;

export const CustomerSearchResponse = z.strictObject({
  customers: z.array(CustomerSummary),
  total: z.number().int(),
});
export type CustomerSearchResponse = z.infer<typeof CustomerSearchResponse>;

export const UserSummary = z.strictObject({
  id: z.string(),
  email: z.string(),
  displayName: z.string(),
  phone: z.string().nullable(),
  status: z.enum(ACCOUNT_STATUSES),
  platformRole: z.literal('operator').nullable(),
  createdAt: Millis,
  workspaceCount: z.number().int(),
});
export type UserSummary = z.infer<typeof UserSummary>;

export const UserSearchResponse = z.strictObject({
  users: z.array(UserSummary),
  total: z.number().int(),
});
export type UserSearchResponse = z.infer<typeof UserSearchResponse>;

/** Why the operator acted, kept in the audit log. */
const note = z.string().trim().max(500).optional();

export const ChangeSubscriptionRequest = z
  .object({
    planId: z.enum(PLAN_IDS).optional(),
    /** A custom seat limit; null returns to the plan's. */
    seatLimit: z.number().int().min(1).max(100_000).nullable().optional(),
    /** New trial end, ms since the epoch. */
    trialEndsAt: z.number().int().positive().optional(),
    note,
  })
  .refine(
    (b) => b.planId !== undefined || b.seatLimit !== undefined || b.trialEndsAt !== undefined,
    { message: 'Change at least one of plan, seat limit and trial end.' },
  );
export type ChangeSubscriptionRequest = z.input<typeof ChangeSubscriptionRequest>;

export const ChangeStateRequest = z.object({
  /** `suspended` suspends (reason: operator); `active` reactivates. */
  state: z.enum(['active', 'past_due', 'suspended', 'terminated']),
  note,
});
export type ChangeStateRequest = z.input<typeof ChangeStateRequest>;

export const ChangeStateResponse = z.strictObject({
  /** False when the subscription already was in that state. */
  changed: z.boolean(),
});
export type ChangeStateResponse = z.infer<typeof ChangeStateResponse>;

export const OperatorNoteRequest = z.object({ note });
export type OperatorNoteRequest = z.input<typeof OperatorNoteRequest>;
