import type { AccessEvents } from '../access/AccessEvents.ts';
import { newId } from '../ids/newId.ts';
import type { SqlDatabase } from '../store/sql/SqlDatabase.ts';
import {
  LAST_SEEN_RESOLUTION_MS,
  SESSION_LIFETIME_MS,
  SESSION_RENEW_WITHIN_MS,
  type AsyncSessionStore,
  type NewSession,
  type SessionInfo,
  type SessionRow,
  type SessionValidation,
} from './SessionStore.ts';
import { generateSecretToken, hashSecretToken } from './secretTokens.ts';
import { toAuthUser, type AsyncUserStore } from './UserStore.ts';

/**
 * Sessions on the SQL seam (store/sql/), the rules of SqliteSessionStore (lifetime, renewal
 * when half used, `last_seen_at` at most once a minute) with the statements written once for
 * SQLite and PostgreSQL. Every ending goes through `#end`, which announces the ids
 * (`sessionsRevoked`) after its delete committed — when called inside a caller's
 * transaction, after the delete but before that transaction's commit.
 */
export class SqlSessionStore implements AsyncSessionStore {
  constructor(
    private readonly db: SqlDatabase,
    private readonly now: () => number,
    private readonly access: AccessEvents,
    private readonly users: AsyncUserStore,
  ) {}

  async create(
    userId: string,
    client: { ip: string | null; userAgent: string | null },
  ): Promise<NewSession> {
    const token = generateSecretToken();
    const now = this.now();
    const session = { id: newId(), token, expiresAt: now + SESSION_LIFETIME_MS };
    await this.db.run(
      `INSERT INTO sessions (id, user_id, token_hash, created_at, expires_at, last_seen_at, ip, user_agent)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        session.id,
        userId,
        hashSecretToken(token),
        now,
        session.expiresAt,
        now,
        client.ip,
        client.userAgent?.slice(0, 512) ?? null,
      ],
    );
    return session;
  }

  async validate(
    token: string,
    { renew = true }: { renew?: boolean } = {},
  ): Promise<SessionValidation> {
    const now = this.now();
    const row = await this.db.get<SessionRow>(
      'SELECT id, user_id, expires_at, last_seen_at FROM sessions WHERE token_hash = ?',
      [hashSecretToken(token)],
    );
    if (!row) return { kind: 'invalid' };
    if (now >= row.expires_at) {
      await this.#end([row.id]);
      return { kind: 'invalid' };
    }
    const user = await this.users.byId(row.user_id);
    if (!user) return { kind: 'invalid' };
    if (user.status === 'suspended') return { kind: 'suspended' };

    let expiresAt = row.expires_at;
    const renewed = renew && now >= row.expires_at - SESSION_RENEW_WITHIN_MS;
    if (renewed) expiresAt = now + SESSION_LIFETIME_MS;
    if (renewed || now - row.last_seen_at >= LAST_SEEN_RESOLUTION_MS) {
      await this.db.run('UPDATE sessions SET expires_at = ?, last_seen_at = ? WHERE id = ?', [
        expiresAt,
        now,
        row.id,
      ]);
    }
    return { kind: 'valid', session: { id: row.id, user: toAuthUser(user), expiresAt, renewed } };
  }

  async listForUser(userId: string): Promise<SessionInfo[]> {
    const rows = await this.db.all<{
      id: string;
      created_at: number;
      last_seen_at: number;
      expires_at: number;
      ip: string | null;
      user_agent: string | null;
    }>(
      `SELECT id, created_at, last_seen_at, expires_at, ip, user_agent FROM sessions
       WHERE user_id = ? AND expires_at > ? ORDER BY last_seen_at DESC, id`,
      [userId, this.now()],
    );
    return rows.map((r) => ({
      id: r.id,
      createdAt: r.created_at,
      lastSeenAt: r.last_seen_at,
      expiresAt: r.expires_at,
      ip: r.ip,
      userAgent: r.user_agent,
    }));
  }

  async endOne(userId: string, sessionId: string): Promise<boolean> {
    const row = await this.db.get('SELECT id FROM sessions WHERE id = ? AND user_id = ?', [
      sessionId,
      userId,
    ]);
    if (!row) return false;
    await this.#end([sessionId]);
    return true;
  }

  async endAllForUser(userId: string, keepSessionId: string | null = null): Promise<number> {
    const ids = (
      await this.db.all<{ id: string }>('SELECT id FROM sessions WHERE user_id = ?', [userId])
    )
      .map((r) => r.id)
      .filter((id) => id !== keepSessionId);
    await this.#end(ids);
    return ids.length;
  }

  async sweepExpired(): Promise<number> {
    const ids = (
      await this.db.all<{ id: string }>('SELECT id FROM sessions WHERE expires_at <= ?', [
        this.now(),
      ])
    ).map((r) => r.id);
    await this.#end(ids);
    return ids.length;
  }

  /** The one place sessions are deleted, so the access event is never forgotten. */
  async #end(sessionIds: readonly string[]): Promise<void> {
    if (sessionIds.length === 0) return;
    await this.db.transaction(async () => {
      for (const id of sessionIds) await this.db.run('DELETE FROM sessions WHERE id = ?', [id]);
    });
    this.access.emit('sessionsRevoked', { sessionIds });
  }
}
