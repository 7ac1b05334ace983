import type { AsyncSubscriptionViews } from '../billing/SqlSubscriptionViews.ts';
import type { SqlDatabase } from '../store/sql/SqlDatabase.ts';
import type { AsyncSeatLedger } from './SeatLedger.ts';
import { assertRoomForInvitation, assertSeatForMember, type SeatUsage } from './SeatLimit.ts';
import { readOnlyError } from './workspaceState.ts';

/**
 * Seat enforcement on the SQL seam: the rules of SeatLimit (shared functions), made exact
 * across processes by a lock. A transaction that counts seats and then adds an invitation
 * or a member first calls `lock`: on PostgreSQL that takes the workspace row `FOR UPDATE`,
 * so a second process doing the same for the same workspace waits for the first to commit
 * and then counts what it wrote (READ COMMITTED reads afresh per statement). On SQLite the
 * IMMEDIATE transaction already admits one writer (SqlDialect.forUpdate is empty).
 */
export class AsyncSeatLimit {
  constructor(
    private readonly db: SqlDatabase,
    private readonly subscriptions: AsyncSubscriptionViews,
    private readonly seats: AsyncSeatLedger,
  ) {}

  /** Call first in the transaction that counts and then writes seats of `workspaceId`. */
  async lock(workspaceId: string): Promise<void> {
    await this.db.get(`SELECT id FROM workspaces WHERE id = ?${this.db.dialect.forUpdate}`, [
      workspaceId,
    ]);
  }

  async usage(workspaceId: string): Promise<SeatUsage> {
    const { seatLimit } = await this.subscriptions.view(workspaceId);
    return {
      used: await this.seats.seatsUsed(workspaceId),
      limit: seatLimit,
      pendingInvitations: await this.seats.openInvitations(workspaceId),
    };
  }

  async assertRoomForInvitation(workspaceId: string): Promise<void> {
    assertRoomForInvitation(await this.usage(workspaceId));
  }

  async assertSeatForMember(workspaceId: string): Promise<void> {
    assertSeatForMember(await this.usage(workspaceId));
  }

  /** The typed read-only error unless the workspace accepts changes now. */
  async assertWritable(workspaceId: string): Promise<void> {
    const view = await this.subscriptions.view(workspaceId);
    if (view.readOnlyReason) throw readOnlyError(view.readOnlyReason);
  }
}
