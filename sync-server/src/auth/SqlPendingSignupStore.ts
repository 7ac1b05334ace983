import { newId } from '../ids/newId.ts';
import { generateSecretToken, hashSecretToken } from '../identity/secretTokens.ts';
import type { SqlDatabase } from '../store/sql/SqlDatabase.ts';
import {
  pendingSignupOf,
  SIGNUP_LINK_LIFETIME_MS,
  type AsyncPendingSignupStore,
  type PendingSignupInput,
  type PendingSignupLookup,
  type PendingSignupRow,
} from './PendingSignups.ts';

/**
 * Pending sign-ups on the SQL seam (store/sql/): SqlitePendingSignupStore's rules written
 * once for SQLite and PostgreSQL. A link is spent by deleting its row, so of two requests
 * opening one link at once — two processes — one deletes it and the other is told it lost.
 */
export class SqlPendingSignupStore implements AsyncPendingSignupStore {
  constructor(
    private readonly db: SqlDatabase,
    private readonly now: () => number,
  ) {}

  async create(input: PendingSignupInput): Promise<{ token: string; expiresAt: number }> {
    const token = generateSecretToken();
    const now = this.now();
    const expiresAt = now + SIGNUP_LINK_LIFETIME_MS;
    await this.db.run('DELETE FROM pending_signups WHERE expires_at <= ?', [now]);
    await this.db.run(
      `INSERT INTO pending_signups (id, token_hash, email, display_name, phone, password_hash,
         customer_kind, customer_name, workspace_name, workspace_slug, terms_version, ip,
         created_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        newId(),
        hashSecretToken(token),
        input.email,
        input.displayName,
        input.phone,
        input.passwordHash,
        input.customer.kind,
        input.customer.name,
        input.workspace.name,
        input.workspace.slug,
        input.termsVersion,
        input.ip,
        now,
        expiresAt,
      ],
    );
    return { token, expiresAt };
  }

  async lookup(token: string): Promise<PendingSignupLookup> {
    const row = await this.db.get<PendingSignupRow>(
      `SELECT id, email, display_name, phone, password_hash, customer_kind, customer_name,
              workspace_name, workspace_slug, terms_version, ip, created_at, expires_at
         FROM pending_signups WHERE token_hash = ?`,
      [hashSecretToken(token)],
    );
    if (!row) return { kind: 'invalid' };
    if (this.now() >= row.expires_at) return { kind: 'expired' };
    return { kind: 'valid', signup: pendingSignupOf(row) };
  }

  async spend(id: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM pending_signups WHERE id = ?', [id])).changes === 1;
  }

  async deleteForEmail(email: string): Promise<number> {
    return (await this.db.run('DELETE FROM pending_signups WHERE email = ?', [email])).changes;
  }
}
