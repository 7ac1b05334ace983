import type { SqliteDatabase } from '../db/Database.ts';
import type { SeatEvent, SeatLedgerEntry } from '@desk/protocol';
import type { AsyncStore } from '../store/sql/asyncStore.ts';
import type { Role } from './roles.ts';

export type { SeatEvent, SeatLedgerEntry };

/** One change of a seat, as the membership change that caused it describes it. */
export interface SeatChange {
  workspaceId: string;
  userId: string;
  event: SeatEvent;
  role: Role | null;
  previousRole: Role | null;
  actorUserId: string | null;
}

/**
 * The seats of a workspace (table `seat_ledger`, counted from `memberships` and open
 * `invitations`): the append-only history of seats — the billing basis (terms §1). Every
 * change to a membership writes one entry in the same transaction as the change, with the
 * seat count after it, so the ledger and the memberships can never disagree.
 */
export interface SeatLedger {
  /** Seats in use: every membership is one seat, the owner's included. */
  seatsUsed(workspaceId: string): number;
  /** Invitations neither accepted, revoked nor expired now (seats promised, not taken). */
  openInvitations(workspaceId: string): number;
  /** Call inside the transaction that changed the membership, after the change. */
  record(change: SeatChange): void;
  /** Newest first. */
  history(workspaceId: string, limit?: number): SeatLedgerEntry[];
  /**
   * Every workspace the user ever held a seat in — now or before they left or were removed —
   * sorted by id. Account deletion finds their private documents with it: removal leaves the
   * private doc on the server (a member who comes back keeps their read markers and views).
   */
  workspacesOf(userId: string): string[];
}

/** `workspacesOf`: bind the user id. */
export const WORKSPACES_OF_USER_SQL =
  'SELECT DISTINCT workspace_id FROM seat_ledger WHERE user_id = ? ORDER BY workspace_id';

/** A seat-ledger row joined with its names (`SEAT_HISTORY_SQL`), as both engines return it. */
export interface HistoryRow {
  id: number;
  user_id: string;
  display_name: string;
  email: string;
  event: SeatEvent;
  role: Role | null;
  previous_role: Role | null;
  actor_user_id: string | null;
  actor_display_name: string | null;
  seats_after: number;
  at: number;
}

/** `SeatLedger` with promises: the SQLite ledger wrapped, or `SqlSeatLedger`. */
export type AsyncSeatLedger = AsyncStore<SeatLedger>;

/** A workspace's seat history, newest first: bind the workspace id and the limit. */
export const SEAT_HISTORY_SQL = `SELECT l.id, l.user_id, u.display_name, u.email, l.event, l.role, l.previous_role,
                l.actor_user_id, a.display_name AS actor_display_name, l.seats_after, l.at
           FROM seat_ledger l
           JOIN users u ON u.id = l.user_id
           LEFT JOIN users a ON a.id = l.actor_user_id
          WHERE l.workspace_id = ?
          ORDER BY l.id DESC
          LIMIT ?`;

export function seatLedgerEntry(r: HistoryRow): SeatLedgerEntry {
  return {
    id: r.id,
    userId: r.user_id,
    displayName: r.display_name,
    email: r.email,
    event: r.event,
    role: r.role,
    previousRole: r.previous_role,
    actorUserId: r.actor_user_id,
    actorDisplayName: r.actor_display_name,
    seatsAfter: r.seats_after,
    at: r.at,
  };
}

export class SqliteSeatLedger implements SeatLedger {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number,
  ) {}

  seatsUsed(workspaceId: string): number {
    const row = this.db
      .prepare('SELECT COUNT(*) AS n FROM memberships WHERE workspace_id = ?')
      .get(workspaceId) as { n: number };
    return row.n;
  }

  openInvitations(workspaceId: string): number {
    const row = this.db
      .prepare(
        `SELECT COUNT(*) AS n FROM invitations
          WHERE workspace_id = ? AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?`,
      )
      .get(workspaceId, this.now()) as { n: number };
    return row.n;
  }

  record(change: SeatChange): void {
    this.db
      .prepare(
        `INSERT INTO seat_ledger
           (workspace_id, user_id, event, role, previous_role, actor_user_id, seats_after, at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        change.workspaceId,
        change.userId,
        change.event,
        change.role,
        change.previousRole,
        change.actorUserId,
        this.seatsUsed(change.workspaceId),
        this.now(),
      );
  }

  history(workspaceId: string, limit = 200): SeatLedgerEntry[] {
    const rows = this.db.prepare(SEAT_HISTORY_SQL).all(workspaceId, limit) as HistoryRow[];
    return rows.map(seatLedgerEntry);
  }

  workspacesOf(userId: string): string[] {
    return this.db.prepare(WORKSPACES_OF_USER_SQL).pluck().all(userId) as string[];
  }
}
