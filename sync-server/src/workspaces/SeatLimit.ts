import { ErrorCode, type SeatUsage } from '@desk/protocol';
import { Subscriptions } from '../billing/Subscriptions.ts';
import type { SqliteDatabase } from '../db/Database.ts';
import { AppError } from '../http/AppError.ts';
import { SeatLedger } from './SeatLedger.ts';

/** Seats used, the limit, and open invitations (seats promised but not taken). */
export type { SeatUsage };

/**
 * The one place seat limits are enforced (terms §2: accounts depend on the subscription
 * package). Both checks must run inside the IMMEDIATE transaction that then adds the
 * invitation or the membership: SQLite admits one writer at a time, so the count read here
 * cannot change before the insert commits — across requests and across processes.
 */
export const SeatLimit = {
  usage(db: SqliteDatabase, workspaceId: string, now: number): SeatUsage {
    const sub = Subscriptions.require(db, workspaceId);
    const pending = db
      .prepare(
        `SELECT COUNT(*) AS n FROM invitations
          WHERE workspace_id = ? AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?`,
      )
      .get(workspaceId, now) as { n: number };
    return {
      used: SeatLedger.seatsUsed(db, workspaceId),
      limit: Subscriptions.view(sub, now).seatLimit,
      pendingInvitations: pending.n,
    };
  },

  /** Sending: members plus open invitations must stay within the limit. */
  assertRoomForInvitation(db: SqliteDatabase, workspaceId: string, now: number): void {
    const { used, limit, pendingInvitations } = SeatLimit.usage(db, workspaceId, now);
    if (used + pendingInvitations >= limit) {
      throw seatLimitReached(
        pendingInvitations > 0
          ? `All ${limit} seats are taken or promised to open invitations. Revoke an invitation, remove a member, or ask the owner to upgrade the plan.`
          : `All ${limit} seats of this workspace are taken. Remove a member or ask the owner to upgrade the plan.`,
        { used, limit },
      );
    }
  },

  /**
   * Accepting: members alone must stay within the limit. Open invitations can outnumber
   * free seats when the limit was lowered since they were sent; the first to accept wins.
   */
  assertSeatForMember(db: SqliteDatabase, workspaceId: string, now: number): void {
    const { used, limit } = SeatLimit.usage(db, workspaceId, now);
    if (used >= limit) {
      throw seatLimitReached(
        'This workspace has no free seat left, so the invitation cannot be accepted now. Ask the workspace owner to free a seat or upgrade the plan, then open the link again.',
        { used, limit },
      );
    }
  },
};

function seatLimitReached(message: string, usage: { used: number; limit: number }): AppError {
  // The numbers are in the message; the page adds the hint to ask the owner.
  return new AppError(
    ErrorCode.seatLimitReached,
    409,
    `${message} (${usage.used} of ${usage.limit} seats in use.)`,
  );
}
