import type { AccessEvents } from '../access/AccessEvents.ts';
import type { SqliteDatabase } from '../db/Database.ts';
import { newId } from '../ids/newId.ts';
import type { AuthUser } from './AuthContext.ts';
import { generateSecretToken, hashSecretToken } from './secretTokens.ts';
import { toAuthUser, type UserStore } from './UserStore.ts';
import { cachedStatement } from '../db/statementCache.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';

/**
 * Recognisable prefix of personal access tokens, so secret scanners and people can tell
 * what a leaked string is (and that it is not a session cookie).
 */
export const ACCESS_TOKEN_PREFIX = 'desk_pat_';
export const LAST_USED_RESOLUTION_MS = 60 * 1000;

export interface AccessTokenInfo {
  readonly id: string;
  readonly name: string;
  readonly workspaceId: string;
  readonly workspaceSlug: string;
  readonly createdAt: number;
  readonly expiresAt: number | null;
  readonly lastUsedAt: number | null;
}

export type AccessTokenValidation =
  | {
      readonly kind: 'valid';
      readonly user: AuthUser;
      readonly token: { readonly id: string; readonly workspaceId: string };
    }
  | { readonly kind: 'invalid' }
  | { readonly kind: 'expired' }
  | { readonly kind: 'suspended' };

/** An `access_tokens` row as validation reads it (both engines). */
export interface TokenRow {
  id: string;
  user_id: string;
  workspace_id: string;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
}

/**
 * Personal access tokens for scripts and integrations: named, confined to one workspace the
 * owner belongs to, optionally expiring, stored as SHA-256 only, revocable. A token stops
 * working when its owner is suspended or leaves the workspace. Every revocation emits
 * `tokensRevoked`, so live connections close at once.
 */
export interface AccessTokenStore {
  create(input: { userId: string; workspaceId: string; name: string; expiresAt: number | null }): {
    id: string;
    token: string;
  };
  validate(token: string): AccessTokenValidation;
  listForUser(userId: string): AccessTokenInfo[];
  revoke(userId: string, tokenId: string): boolean;
  revokeAllForUser(userId: string): number;
  /** Deletes every token of the user, revoked or not (account deletion); returns how many. */
  deleteAllForUser(userId: string): number;
}

/** `AccessTokenStore` with promises: the SQLite store wrapped, or `SqlAccessTokenStore`. */
export type AsyncAccessTokenStore = AsyncStore<AccessTokenStore>;

export class SqliteAccessTokenStore implements AccessTokenStore {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number,
    private readonly access: AccessEvents,
    private readonly users: UserStore,
  ) {}

  create(input: { userId: string; workspaceId: string; name: string; expiresAt: number | null }): {
    id: string;
    token: string;
  } {
    const token = ACCESS_TOKEN_PREFIX + generateSecretToken();
    const id = newId();
    this.db
      .prepare(
        `INSERT INTO access_tokens (id, user_id, workspace_id, name, token_hash, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        input.userId,
        input.workspaceId,
        input.name,
        hashSecretToken(token),
        this.now(),
        input.expiresAt,
      );
    return { id, token };
  }

  validate(token: string): AccessTokenValidation {
    if (!token.startsWith(ACCESS_TOKEN_PREFIX)) return { kind: 'invalid' };
    const db = this.db;
    const now = this.now();
    const row = cachedStatement(
      db,
      `SELECT id, user_id, workspace_id, expires_at, last_used_at, revoked_at
       FROM access_tokens WHERE token_hash = ?`,
    ).get(hashSecretToken(token)) as TokenRow | undefined;
    if (!row || row.revoked_at !== null) return { kind: 'invalid' };
    if (row.expires_at !== null && now >= row.expires_at) return { kind: 'expired' };
    const user = this.users.byId(row.user_id);
    if (!user) return { kind: 'invalid' };
    if (user.status === 'suspended') return { kind: 'suspended' };
    const member = cachedStatement(
      db,
      'SELECT 1 FROM memberships WHERE workspace_id = ? AND user_id = ?',
    ).get(row.workspace_id, row.user_id);
    if (!member) return { kind: 'invalid' };
    if (row.last_used_at === null || now - row.last_used_at >= LAST_USED_RESOLUTION_MS) {
      cachedStatement(db, 'UPDATE access_tokens SET last_used_at = ? WHERE id = ?').run(
        now,
        row.id,
      );
    }
    return {
      kind: 'valid',
      user: toAuthUser(user),
      token: { id: row.id, workspaceId: row.workspace_id },
    };
  }

  listForUser(userId: string): AccessTokenInfo[] {
    const rows = this.db
      .prepare(
        `SELECT t.id, t.name, t.workspace_id, w.slug, t.created_at, t.expires_at, t.last_used_at
         FROM access_tokens t JOIN workspaces w ON w.id = t.workspace_id
         WHERE t.user_id = ? AND t.revoked_at IS NULL ORDER BY t.created_at DESC`,
      )
      .all(userId) as {
      id: string;
      name: string;
      workspace_id: string;
      slug: string;
      created_at: number;
      expires_at: number | null;
      last_used_at: number | null;
    }[];
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      workspaceId: r.workspace_id,
      workspaceSlug: r.slug,
      createdAt: r.created_at,
      expiresAt: r.expires_at,
      lastUsedAt: r.last_used_at,
    }));
  }

  /** Revokes one of the user's tokens; false if it is not theirs or already revoked. */
  revoke(userId: string, tokenId: string): boolean {
    const result = this.db
      .prepare(
        'UPDATE access_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL',
      )
      .run(this.now(), tokenId, userId);
    if (result.changes === 0) return false;
    this.access.emit('tokensRevoked', { tokenIds: [tokenId] });
    return true;
  }

  /** Revokes every token of the user (report of unauthorized use); returns how many. */
  revokeAllForUser(userId: string): number {
    const ids = (
      this.db
        .prepare('SELECT id FROM access_tokens WHERE user_id = ? AND revoked_at IS NULL')
        .all(userId) as { id: string }[]
    ).map((r) => r.id);
    if (ids.length === 0) return 0;
    this.db
      .prepare('UPDATE access_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL')
      .run(this.now(), userId);
    this.access.emit('tokensRevoked', { tokenIds: ids });
    return ids.length;
  }

  deleteAllForUser(userId: string): number {
    const live = (
      this.db
        .prepare('SELECT id FROM access_tokens WHERE user_id = ? AND revoked_at IS NULL')
        .all(userId) as { id: string }[]
    ).map((r) => r.id);
    const deleted = this.db.prepare('DELETE FROM access_tokens WHERE user_id = ?').run(userId);
    // Sockets opened with a live one close, as on revocation.
    if (live.length > 0) this.access.emit('tokensRevoked', { tokenIds: live });
    return deleted.changes;
  }
}
