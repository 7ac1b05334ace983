import type { SqlDatabase } from '../store/sql/SqlDatabase.ts';
import {
  SEAT_HISTORY_SQL,
  seatLedgerEntry,
  type AsyncSeatLedger,
  type HistoryRow,
  type SeatChange,
  type SeatLedgerEntry,
  WORKSPACES_OF_USER_SQL,
} from './SeatLedger.ts';

/**
 * The seat ledger on the SQL seam (SqliteSeatLedger's statements, written once). `record`
 * counts the seats after the change: call it in the transaction that made the change, after
 * AsyncSeatLimit.lock, so the count is exact across processes.
 */
export class SqlSeatLedger implements AsyncSeatLedger {
  constructor(
    private readonly db: SqlDatabase,
    private readonly now: () => number,
  ) {}

  async seatsUsed(workspaceId: string): Promise<number> {
    const row = await this.db.get<{ n: number }>(
      'SELECT COUNT(*) AS n FROM memberships WHERE workspace_id = ?',
      [workspaceId],
    );
    return row?.n ?? 0;
  }

  async openInvitations(workspaceId: string): Promise<number> {
    const row = await this.db.get<{ n: number }>(
      `SELECT COUNT(*) AS n FROM invitations
        WHERE workspace_id = ? AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?`,
      [workspaceId, this.now()],
    );
    return row?.n ?? 0;
  }

  async record(change: SeatChange): Promise<void> {
    await this.db.run(
      `INSERT INTO seat_ledger
         (workspace_id, user_id, event, role, previous_role, actor_user_id, seats_after, at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        change.workspaceId,
        change.userId,
        change.event,
        change.role,
        change.previousRole,
        change.actorUserId,
        await this.seatsUsed(change.workspaceId),
        this.now(),
      ],
    );
  }

  async history(workspaceId: string, limit = 200): Promise<SeatLedgerEntry[]> {
    const rows = await this.db.all<HistoryRow>(SEAT_HISTORY_SQL, [workspaceId, limit]);
    return rows.map(seatLedgerEntry);
  }

  async workspacesOf(userId: string): Promise<string[]> {
    const rows = await this.db.all<{ workspace_id: string }>(WORKSPACES_OF_USER_SQL, [userId]);
    return rows.map((row) => row.workspace_id);
  }
}
