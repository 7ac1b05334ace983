import { ErrorCode, type SeatUsage } from '@desk/protocol';
import type { SubscriptionStore } from '../billing/SubscriptionStore.ts';
import { AppError } from '../http/AppError.ts';
import type { SeatLedger } from './SeatLedger.ts';

/** Seats used, the limit, and open invitations (seats promised but not taken). */
export type { SeatUsage };

/** What the seat limit reads (built once in createServices). */
export interface SeatLimitDeps {
  readonly subscriptions: SubscriptionStore;
  readonly seats: SeatLedger;
}

/**
 * The one place seat limits are enforced (terms §2: accounts depend on the subscription
 * package). Both checks must run inside the IMMEDIATE transaction that then adds the
 * invitation or the membership: SQLite admits one writer at a time, so the count read here
 * cannot change before the insert commits — across requests and across processes.
 */
export class SeatLimit {
  readonly #subscriptions: SubscriptionStore;
  readonly #seats: SeatLedger;

  constructor(deps: SeatLimitDeps) {
    this.#subscriptions = deps.subscriptions;
    this.#seats = deps.seats;
  }

  usage(workspaceId: string): SeatUsage {
    const { seatLimit } = this.#subscriptions.view(workspaceId);
    return {
      used: this.#seats.seatsUsed(workspaceId),
      limit: seatLimit,
      pendingInvitations: this.#seats.openInvitations(workspaceId),
    };
  }

  /** Sending: members plus open invitations must stay within the limit. */
  assertRoomForInvitation(workspaceId: string): void {
    assertRoomForInvitation(this.usage(workspaceId));
  }

  /** Accepting: members alone must stay within the limit (`assertSeatForMember`). */
  assertSeatForMember(workspaceId: string): void {
    assertSeatForMember(this.usage(workspaceId));
  }
}

/**
 * The seat rules, on a workspace's usage read in the transaction that then writes: shared by
 * SeatLimit (SQLite, synchronous) and AsyncSeatLimit (the SQL seam, PostgreSQL).
 * Sending: members plus open invitations must stay within the limit.
 */
export function assertRoomForInvitation({ used, limit, pendingInvitations }: SeatUsage): void {
  if (used + pendingInvitations >= limit) {
    throw seatLimitReached(
      pendingInvitations > 0
        ? `All ${limit} seats are taken or promised to open invitations. Revoke an invitation, remove a member, or ask the owner to upgrade the plan.`
        : `All ${limit} seats of this workspace are taken. Remove a member or ask the owner to upgrade the plan.`,
      { used, limit },
    );
  }
}

/**
 * Accepting: members alone must stay within the limit. Open invitations can outnumber
 * free seats when the limit was lowered since they were sent; the first to accept wins.
 */
export function assertSeatForMember({ used, limit }: SeatUsage): void {
  if (used >= limit) {
    throw seatLimitReached(
      'This workspace has no free seat left, so the invitation cannot be accepted now. Ask the workspace owner to free a seat or upgrade the plan, then open the link again.',
      { used, limit },
    );
  }
}

function seatLimitReached(message: string, usage: { used: number; limit: number }): AppError {
  // The numbers are in the message; the page adds the hint to ask the owner.
  return new AppError(
    ErrorCode.seatLimitReached,
    409,
    `${message} (${usage.used} of ${usage.limit} seats in use.)`,
  );
}
