import type { AuditAction, AuditEntry } from '@desk/protocol';
import type { SqliteDatabase } from '../db/Database.ts';

export type AuditActorKind = AuditEntry['actorKind'];

export interface AuditActor {
  kind: AuditActorKind;
  /** The acting user (operator or workspace member); null for billing and system. */
  userId: string | null;
}

export interface AuditEntryInput {
  actor: AuditActor;
  /** Dotted verb of the closed list (AUDIT_ACTIONS), e.g. `user.reinstated`. */
  action: AuditAction;
  target: { kind: 'workspace' | 'user' | 'customer' | 'subscription' | string; id: string };
  workspaceId?: string | null;
  customerId?: string | null;
  /** Small JSON facts (before/after values, reason). Never passwords, tokens or content. */
  details?: Record<string, unknown>;
}

/** An entry as the audit routes answer it (`AuditEntry` of the protocol). */
export type { AuditEntry };

export interface AuditFilter {
  workspaceId?: string;
  targetId?: string;
  /** An entry id, for paging. */
  before?: number;
  limit?: number;
}

/**
 * The audit log (terms §2, §3, table `audit_log`): every operator action, billing-driven
 * state change and other privileged act, appended in the same transaction as the act
 * itself so an action without its entry cannot exist — call `record` inside the change's
 * `transactions.write`. The owner of a workspace can read the entries about it.
 */
export interface AuditStore {
  /** Records the entry now; returns its id. */
  record(entry: AuditEntryInput): number;
  /** Newest first; `before` is an entry id for paging. */
  list(filter?: AuditFilter): AuditEntry[];
}

interface Row {
  id: number;
  at: number;
  actor_kind: AuditActorKind;
  actor_user_id: string | null;
  actor_display_name: string | null;
  action: string;
  target_kind: string;
  target_id: string;
  workspace_id: string | null;
  customer_id: string | null;
  details: string;
}

export class SqliteAuditStore implements AuditStore {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number,
  ) {}

  record(entry: AuditEntryInput): number {
    const result = this.db
      .prepare(
        `INSERT INTO audit_log
           (at, actor_kind, actor_user_id, action, target_kind, target_id, workspace_id, customer_id, details)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        this.now(),
        entry.actor.kind,
        entry.actor.userId,
        entry.action,
        entry.target.kind,
        entry.target.id,
        entry.workspaceId ?? null,
        entry.customerId ?? null,
        JSON.stringify(entry.details ?? {}),
      );
    return Number(result.lastInsertRowid);
  }

  list(filter: AuditFilter = {}): AuditEntry[] {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (filter.workspaceId !== undefined) {
      where.push('l.workspace_id = ?');
      params.push(filter.workspaceId);
    }
    if (filter.targetId !== undefined) {
      where.push('l.target_id = ?');
      params.push(filter.targetId);
    }
    if (filter.before !== undefined) {
      where.push('l.id < ?');
      params.push(filter.before);
    }
    params.push(Math.min(Math.max(filter.limit ?? 100, 1), 500));
    const rows = this.db
      .prepare(
        `SELECT l.*, u.display_name AS actor_display_name
           FROM audit_log l LEFT JOIN users u ON u.id = l.actor_user_id
          ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
          ORDER BY l.id DESC LIMIT ?`,
      )
      .all(...params) as Row[];
    return rows.map((r) => ({
      id: r.id,
      at: r.at,
      actorKind: r.actor_kind,
      actorUserId: r.actor_user_id,
      actorDisplayName: r.actor_display_name,
      action: r.action,
      targetKind: r.target_kind,
      targetId: r.target_id,
      workspaceId: r.workspace_id,
      customerId: r.customer_id,
      details: JSON.parse(r.details) as Record<string, unknown>,
    }));
  }
}
