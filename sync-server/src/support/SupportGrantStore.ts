import type { OperatorSupportGrant, SupportGrant, SupportGrantAccessLevel } from '@desk/protocol';
import type { SqliteDatabase } from '../db/Database.ts';
import { newId } from '../ids/newId.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';
import { SupportAuditAction } from './SupportGrants.ts';

export type { OperatorSupportGrant, SupportGrant };

export interface NewSupportGrant {
  readonly workspaceId: string;
  /** The owner or admin granting it. */
  readonly grantedBy: string;
  readonly reason: string;
  readonly access: SupportGrantAccessLevel;
  /** From now; the route checks the bounds (1 hour … 7 days). */
  readonly durationMs: number;
}

/**
 * Support-access grants (table `support_grants`, terms §3): an owner or admin lets the
 * service's operators into one workspace until a time, read-only unless `write`. Whether an
 * operator may act under one right now is read by `WorkspaceAccessStore.of` (one query per
 * request and socket); this store makes, lists and ends them.
 */
export interface SupportGrantStore {
  create(input: NewSupportGrant): SupportGrant;
  get(workspaceId: string, grantId: string): SupportGrant | null;
  /** Newest first, active and past. */
  list(workspaceId: string): SupportGrant[];
  /**
   * Ends an active grant now; null when it is not active (already expired or revoked), so
   * a second revocation changes nothing.
   */
  revoke(workspaceId: string, grantId: string, byUserId: string): SupportGrant | null;
  /** Every grant active now, with its workspace: what the operator console can open. */
  active(): OperatorSupportGrant[];
  /** Grants that ran out and whose expiry is not yet noticed (sockets closed, audited). */
  dueExpiries(): SupportGrant[];
  /**
   * Notes that a grant's expiry was noticed. False when it already was: of two processes
   * noticing one expiry at once, one gets true and records it (SupportGrants.expireDue).
   */
  markExpiryNoticed(grantId: string): boolean;
  /** The next moment an active grant runs out, or null. */
  nextExpiry(): number | null;
  /** Ids of the users who hold the platform role: the ones a grant lets in. */
  operatorIds(): string[];
}

/** The SupportGrantStore as callers see it once PostgreSQL may be behind it. */
export type AsyncSupportGrantStore = AsyncStore<SupportGrantStore>;

/** A grant row as the stores read it, with its names and activity counts. */
export interface SupportGrantRow {
  id: string;
  workspace_id: string;
  reason: string;
  access: SupportGrantAccessLevel;
  created_at: number;
  expires_at: number;
  granted_by: string;
  granted_by_name: string;
  revoked_at: number | null;
  revoked_by: string | null;
  revoked_by_name: string | null;
  requests: number;
  documents_opened: number;
}

/**
 * A grant with who granted and revoked it, and what the operators did under it: counted from
 * the workspace's audit log (the entries the support middleware and DeskSyncAuth write).
 */
const SELECT = `SELECT g.*, gb.display_name AS granted_by_name, rb.display_name AS revoked_by_name,
    (SELECT COUNT(*) FROM audit_log a
      WHERE a.workspace_id = g.workspace_id AND a.action = '${SupportAuditAction.request}'
        AND json_extract(a.details, '$.grantId') = g.id) AS requests,
    (SELECT COUNT(*) FROM audit_log a
      WHERE a.workspace_id = g.workspace_id AND a.action = '${SupportAuditAction.documentOpened}'
        AND json_extract(a.details, '$.grantId') = g.id) AS documents_opened
  FROM support_grants g
  JOIN users gb ON gb.id = g.granted_by
  LEFT JOIN users rb ON rb.id = g.revoked_by`;

export class SqliteSupportGrantStore implements SupportGrantStore {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number,
  ) {}

  create(input: NewSupportGrant): SupportGrant {
    const id = newId();
    const now = this.now();
    this.db
      .prepare(
        `INSERT INTO support_grants (id, workspace_id, granted_by, reason, access, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        input.workspaceId,
        input.grantedBy,
        input.reason,
        input.access,
        now,
        now + input.durationMs,
      );
    const grant = this.get(input.workspaceId, id);
    if (!grant) throw new Error('created support grant vanished');
    return grant;
  }

  get(workspaceId: string, grantId: string): SupportGrant | null {
    const row = this.db
      .prepare(`${SELECT} WHERE g.workspace_id = ? AND g.id = ?`)
      .get(workspaceId, grantId) as SupportGrantRow | undefined;
    return row ? this.#fromRow(row) : null;
  }

  list(workspaceId: string): SupportGrant[] {
    const rows = this.db
      .prepare(`${SELECT} WHERE g.workspace_id = ? ORDER BY g.created_at DESC, g.id DESC`)
      .all(workspaceId) as SupportGrantRow[];
    return rows.map((r) => this.#fromRow(r));
  }

  revoke(workspaceId: string, grantId: string, byUserId: string): SupportGrant | null {
    const now = this.now();
    const changed = this.db
      .prepare(
        `UPDATE support_grants SET revoked_at = ?, revoked_by = ?
          WHERE workspace_id = ? AND id = ? AND revoked_at IS NULL AND expires_at > ?`,
      )
      .run(now, byUserId, workspaceId, grantId, now).changes;
    return changed === 1 ? this.get(workspaceId, grantId) : null;
  }

  active(): OperatorSupportGrant[] {
    const rows = this.db
      .prepare(
        `SELECT g.id, g.reason, g.access, g.created_at, g.expires_at,
                w.id AS workspace_id, w.slug, w.name, u.display_name AS granted_by_name
           FROM support_grants g
           JOIN workspaces w ON w.id = g.workspace_id
           JOIN users u ON u.id = g.granted_by
          WHERE g.revoked_at IS NULL AND g.expiry_noticed_at IS NULL AND g.expires_at > ?
          ORDER BY g.expires_at`,
      )
      .all(this.now()) as ActiveGrantRow[];
    return rows.map(operatorGrantOf);
  }

  dueExpiries(): SupportGrant[] {
    const rows = this.db
      .prepare(
        `${SELECT} WHERE g.revoked_at IS NULL AND g.expiry_noticed_at IS NULL AND g.expires_at <= ?
          ORDER BY g.expires_at`,
      )
      .all(this.now()) as SupportGrantRow[];
    return rows.map((r) => this.#fromRow(r));
  }

  markExpiryNoticed(grantId: string): boolean {
    const { changes } = this.db
      .prepare(
        'UPDATE support_grants SET expiry_noticed_at = ? WHERE id = ? AND expiry_noticed_at IS NULL',
      )
      .run(this.now(), grantId);
    return changes > 0;
  }

  nextExpiry(): number | null {
    const row = this.db
      .prepare(
        `SELECT MIN(expires_at) AS next FROM support_grants
          WHERE revoked_at IS NULL AND expiry_noticed_at IS NULL`,
      )
      .get() as { next: number | null };
    return row.next;
  }

  operatorIds(): string[] {
    return this.db
      .prepare(`SELECT id FROM users WHERE platform_role = 'operator'`)
      .pluck()
      .all() as string[];
  }

  #fromRow(r: SupportGrantRow): SupportGrant {
    return supportGrantOf(r, this.now());
  }
}

/** An active grant's row with its workspace, as `active` reads it. */
export interface ActiveGrantRow {
  id: string;
  reason: string;
  access: SupportGrantAccessLevel;
  created_at: number;
  expires_at: number;
  workspace_id: string;
  slug: string;
  name: string;
  granted_by_name: string;
}

export function operatorGrantOf(r: ActiveGrantRow): OperatorSupportGrant {
  return {
    grantId: r.id,
    workspace: { id: r.workspace_id, slug: r.slug, name: r.name },
    reason: r.reason,
    access: r.access,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    grantedBy: r.granted_by_name,
  };
}

/** A grant as its row says, its status as of `now`. */
export function supportGrantOf(r: SupportGrantRow, now: number): SupportGrant {
  const status = r.revoked_at !== null ? 'revoked' : r.expires_at <= now ? 'expired' : 'active';
  return {
    id: r.id,
    workspaceId: r.workspace_id,
    reason: r.reason,
    access: r.access,
    status,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    grantedBy: { userId: r.granted_by, displayName: r.granted_by_name },
    revokedAt: r.revoked_at,
    revokedBy:
      r.revoked_by === null ? null : { userId: r.revoked_by, displayName: r.revoked_by_name ?? '' },
    activity: { requests: r.requests, documentsOpened: r.documents_opened },
  };
}
