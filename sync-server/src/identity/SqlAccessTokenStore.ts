import type { AccessEvents } from '../access/AccessEvents.ts';
import { newId } from '../ids/newId.ts';
import type { SqlDatabase } from '../store/sql/SqlDatabase.ts';
import {
  ACCESS_TOKEN_PREFIX,
  LAST_USED_RESOLUTION_MS,
  type AccessTokenInfo,
  type AccessTokenValidation,
  type AsyncAccessTokenStore,
  type TokenRow,
} from './AccessTokenStore.ts';
import { generateSecretToken, hashSecretToken } from './secretTokens.ts';
import { toAuthUser, type AsyncUserStore } from './UserStore.ts';

/**
 * Personal access tokens on the SQL seam: SqliteAccessTokenStore's rules (one workspace the
 * owner still belongs to, expiry, `last_used_at` at most once a minute) and statements,
 * written once. Every revocation announces `tokensRevoked` after its write.
 */
export class SqlAccessTokenStore implements AsyncAccessTokenStore {
  constructor(
    private readonly db: SqlDatabase,
    private readonly now: () => number,
    private readonly access: AccessEvents,
    private readonly users: AsyncUserStore,
  ) {}

  async create(input: {
    userId: string;
    workspaceId: string;
    name: string;
    expiresAt: number | null;
  }): Promise<{ id: string; token: string }> {
    const token = ACCESS_TOKEN_PREFIX + generateSecretToken();
    const id = newId();
    await this.db.run(
      `INSERT INTO access_tokens (id, user_id, workspace_id, name, token_hash, created_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      [
        id,
        input.userId,
        input.workspaceId,
        input.name,
        hashSecretToken(token),
        this.now(),
        input.expiresAt,
      ],
    );
    return { id, token };
  }

  async validate(token: string): Promise<AccessTokenValidation> {
    if (!token.startsWith(ACCESS_TOKEN_PREFIX)) return { kind: 'invalid' };
    const now = this.now();
    const row = await this.db.get<TokenRow>(
      `SELECT id, user_id, workspace_id, expires_at, last_used_at, revoked_at
       FROM access_tokens WHERE token_hash = ?`,
      [hashSecretToken(token)],
    );
    if (!row || row.revoked_at !== null) return { kind: 'invalid' };
    if (row.expires_at !== null && now >= row.expires_at) return { kind: 'expired' };
    const user = await this.users.byId(row.user_id);
    if (!user) return { kind: 'invalid' };
    if (user.status === 'suspended') return { kind: 'suspended' };
    const member = await this.db.get(
      'SELECT 1 AS one FROM memberships WHERE workspace_id = ? AND user_id = ?',
      [row.workspace_id, row.user_id],
    );
    if (!member) return { kind: 'invalid' };
    if (row.last_used_at === null || now - row.last_used_at >= LAST_USED_RESOLUTION_MS) {
      await this.db.run('UPDATE access_tokens SET last_used_at = ? WHERE id = ?', [now, row.id]);
    }
    return {
      kind: 'valid',
      user: toAuthUser(user),
      token: { id: row.id, workspaceId: row.workspace_id },
    };
  }

  async listForUser(userId: string): Promise<AccessTokenInfo[]> {
    const rows = await this.db.all<{
      id: string;
      name: string;
      workspace_id: string;
      slug: string;
      created_at: number;
      expires_at: number | null;
      last_used_at: number | null;
    }>(
      `SELECT t.id, t.name, t.workspace_id, w.slug, t.created_at, t.expires_at, t.last_used_at
       FROM access_tokens t JOIN workspaces w ON w.id = t.workspace_id
       WHERE t.user_id = ? AND t.revoked_at IS NULL ORDER BY t.created_at DESC, t.id`,
      [userId],
    );
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

  async revoke(userId: string, tokenId: string): Promise<boolean> {
    const { changes } = await this.db.run(
      'UPDATE access_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL',
      [this.now(), tokenId, userId],
    );
    if (changes === 0) return false;
    this.access.emit('tokensRevoked', { tokenIds: [tokenId] });
    return true;
  }

  async revokeAllForUser(userId: string): Promise<number> {
    // RETURNING: the ids revoked are exactly the rows this statement changed, even with
    // another process revoking at the same time.
    const ids = (
      await this.db.all<{ id: string }>(
        `UPDATE access_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL
         RETURNING id`,
        [this.now(), userId],
      )
    ).map((r) => r.id);
    if (ids.length > 0) this.access.emit('tokensRevoked', { tokenIds: ids });
    return ids.length;
  }

  async deleteAllForUser(userId: string): Promise<number> {
    const deleted = await this.db.all<{ id: string; revoked_at: number | null }>(
      'DELETE FROM access_tokens WHERE user_id = ? RETURNING id, revoked_at',
      [userId],
    );
    // Sockets opened with a live one close, as on revocation.
    const live = deleted.filter((r) => r.revoked_at === null).map((r) => r.id);
    if (live.length > 0) this.access.emit('tokensRevoked', { tokenIds: live });
    return deleted.length;
  }
}
