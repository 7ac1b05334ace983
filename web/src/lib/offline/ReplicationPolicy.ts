import { TicketStatus, type TicketRecord } from '@desk/model';

/** The small fields of a ticket the policy decides on, as the index (or a shard) has them. */
export type TicketSummary = Pick<
  TicketRecord,
  'id' | 'status' | 'assigneeId' | 'createdBy' | 'updatedAt' | 'deleted'
>;

/** How much of a workspace a device keeps offline (a per-device choice, see OfflineMode). */
export const ReplicationMode = {
  /** What its person needs: the default. */
  needed: 'needed',
  /** Every ticket of the workspace. */
  everything: 'everything',
} as const;
export type ReplicationMode = (typeof ReplicationMode)[keyof typeof ReplicationMode];

/** Why a device keeps a ticket offline (the first that applies, in this order). */
export const KeepReason = {
  everything: 'everything',
  open: 'open',
  assigned: 'assigned',
  created: 'created',
  followed: 'followed',
  recent: 'recent',
} as const;
export type KeepReason = (typeof KeepReason)[keyof typeof KeepReason];

/**
 * Tickets changed this recently are kept whatever their state: yesterday's solved ticket is
 * often reopened, and "what happened this month" is what people look up on a train.
 * @default 30 days
 */
export const RECENT_MS = 30 * 24 * 60 * 60 * 1000;

export interface ReplicationPolicyInput {
  readonly mode: ReplicationMode;
  /** The person using this device. */
  readonly userId: string;
  readonly now: number;
  /** Tickets this person follows: today, those where someone mentioned them. */
  readonly followed: ReadonlySet<string>;
  /** @default RECENT_MS */
  readonly recentMs?: number;
}

const DONE: ReadonlySet<string> = new Set([TicketStatus.solved, TicketStatus.closed]);

/**
 * Whether a device keeps a ticket offline, and why (issue 15 #3). A device keeps what its
 * person needs without a connection: every open ticket (the queue anyone may pick up),
 * those assigned to them, those they opened, those they follow, and everything changed in
 * the last 30 days. The rest — solved or closed long ago, nobody's business on this device —
 * is fetched when opened. Tickets in the trash are kept only in `everything` mode.
 */
export function keepReason(
  ticket: TicketSummary,
  input: ReplicationPolicyInput,
): KeepReason | null {
  if (input.mode === ReplicationMode.everything) return KeepReason.everything;
  if (ticket.deleted) return null;
  if (!DONE.has(ticket.status)) return KeepReason.open;
  if (ticket.assigneeId === input.userId) return KeepReason.assigned;
  if (ticket.createdBy === input.userId) return KeepReason.created;
  if (input.followed.has(ticket.id)) return KeepReason.followed;
  if (input.now - ticket.updatedAt <= (input.recentMs ?? RECENT_MS)) return KeepReason.recent;
  return null;
}

/** The ids of the tickets a device keeps offline, in the order given. */
export function ticketsToKeep(
  tickets: Iterable<TicketSummary>,
  input: ReplicationPolicyInput,
): string[] {
  const ids: string[] = [];
  for (const ticket of tickets) if (keepReason(ticket, input) !== null) ids.push(ticket.id);
  return ids;
}
