import type { AuditAction, AuditEntry } from '@desk/protocol';
import type { SqliteDatabase } from '../db/Database.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';

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

/** An `audit_log` row with the actor's name, as both engines return it. */
export interface AuditRow {
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
/** `AuditStore` with promises: the SQLite store wrapped, or `SqlAuditStore` (audit/). */
export type AsyncAuditStore = AsyncStore<AuditStore>;

/** The statement that appends an entry, returning its id (both engines support RETURNING). */
export const AUDIT_INSERT_SQL = `INSERT INTO audit_log
           (at, actor_kind, actor_user_id, action, target_kind, target_id, workspace_id, customer_id, details)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`;

/** The values of AUDIT_INSERT_SQL for `entry` recorded `at`. */
export function auditInsertParams(entry: AuditEntryInput, at: number): (string | number | null)[] {
  return [
    at,
    entry.actor.kind,
    entry.actor.userId,
    entry.action,
    entry.target.kind,
    entry.target.id,
    entry.workspaceId ?? null,
    entry.customerId ?? null,
    JSON.stringify(entry.details ?? {}),
  ];
}

/** The query `list` runs for `filter`: newest first, at most 500. */
export function auditListQuery(filter: AuditFilter): { sql: string; params: (string | number)[] } {
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
  const sql = `SELECT l.*, u.display_name AS actor_display_name
           FROM audit_log l LEFT JOIN users u ON u.id = l.actor_user_id
          ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
          ORDER BY l.id DESC LIMIT ?`;
  return { sql, params };
}

export function auditEntryFromRow(r: AuditRow): AuditEntry {
  return {
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
  };
}

export class SqliteAuditStore implements AuditStore {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number,
  ) {}

  record(entry: AuditEntryInput): number {
    const row = this.db.prepare(AUDIT_INSERT_SQL).get(...auditInsertParams(entry, this.now())) as {
      id: number;
    };
    return row.id;
  }

  list(filter: AuditFilter = {}): AuditEntry[] {
    const { sql, params } = auditListQuery(filter);
    return (this.db.prepare(sql).all(...params) as AuditRow[]).map(auditEntryFromRow);
  }
}
