import type { SqliteDatabase } from '../db/Database.ts';
import type { SeatEvent, SeatLedgerEntry } from '@desk/protocol';
import type { Role } from './roles.ts';

export type { SeatEvent, SeatLedgerEntry };

/**
 * The append-only history of seats — the billing basis (terms §1). Every change to a
 * membership writes one entry in the same transaction as the change, with the seat count
 * after it, so the ledger and the memberships can never disagree.
 */
export const SeatLedger = {
  /** Seats in use: every membership is one seat, the owner's included. */
  seatsUsed(db: SqliteDatabase, workspaceId: string): number {
    const row = db
      .prepare('SELECT COUNT(*) AS n FROM memberships WHERE workspace_id = ?')
      .get(workspaceId) as { n: number };
    return row.n;
  },

  /** Call inside the transaction that changed the membership, after the change. */
  record(
    db: SqliteDatabase,
    entry: {
      workspaceId: string;
      userId: string;
      event: SeatEvent;
      role: Role | null;
      previousRole: Role | null;
      actorUserId: string | null;
    },
    now: number,
  ): void {
    db.prepare(
      `INSERT INTO seat_ledger
         (workspace_id, user_id, event, role, previous_role, actor_user_id, seats_after, at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      entry.workspaceId,
      entry.userId,
      entry.event,
      entry.role,
      entry.previousRole,
      entry.actorUserId,
      SeatLedger.seatsUsed(db, entry.workspaceId),
      now,
    );
  },

  /** Newest first. */
  history(db: SqliteDatabase, workspaceId: string, limit = 200): SeatLedgerEntry[] {
    const rows = db
      .prepare(
        `SELECT l.id, l.user_id, u.display_name, u.email, l.event, l.role, l.previous_role,
                l.actor_user_id, a.display_name AS actor_display_name, l.seats_after, l.at
           FROM seat_ledger l
           JOIN users u ON u.id = l.user_id
           LEFT JOIN users a ON a.id = l.actor_user_id
          WHERE l.workspace_id = ?
          ORDER BY l.id DESC
          LIMIT ?`,
      )
      .all(workspaceId, limit) as {
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
    }[];
    return rows.map((r) => ({
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
    }));
  },
};
