import type { SqliteDatabase } from '../db/Database.ts';
import { newId } from '../ids/newId.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';
import { generateSecretToken, hashSecretToken } from '../identity/secretTokens.ts';

/** A sign-up confirmation link works for 24 hours, once. */
export const SIGNUP_LINK_LIFETIME_MS = 24 * 60 * 60 * 1000;

/** What the sign-up form asked for, kept until the emailed link is opened. */
export interface PendingSignupInput {
  readonly email: string;
  readonly displayName: string;
  readonly phone: string | null;
  /** argon2id; the password itself is never stored. */
  readonly passwordHash: string;
  readonly customer: { readonly kind: 'organization' | 'person'; readonly name: string };
  readonly workspace: { readonly name: string; readonly slug: string };
  /** The terms version the person accepted on the form, and from where. */
  readonly termsVersion: string;
  readonly ip: string | null;
}

export interface PendingSignup extends PendingSignupInput {
  readonly id: string;
  readonly createdAt: number;
}

export type PendingSignupLookup =
  | { readonly kind: 'valid'; readonly signup: PendingSignup }
  | { readonly kind: 'invalid' }
  | { readonly kind: 'expired' };

/** A row as the stores read it. */
export interface PendingSignupRow {
  id: string;
  email: string;
  display_name: string;
  phone: string | null;
  password_hash: string;
  customer_kind: 'organization' | 'person';
  customer_name: string;
  workspace_name: string;
  workspace_slug: string;
  terms_version: string;
  ip: string | null;
  created_at: number;
  expires_at: number;
}

/**
 * Sign-ups waiting for the address's owner to open the emailed link (`pending_signups`).
 * The token is stored as its SHA-256 only, like reset and invitation tokens; a row is
 * deleted when its link is used, and expired rows when the next sign-up is requested.
 */
export interface PendingSignupStore {
  /** Keeps the form until its link is used; returns the link's token (shown only in the mail). */
  create(input: PendingSignupInput): { token: string; expiresAt: number };
  lookup(token: string): PendingSignupLookup;
  /** Deletes the row; false when another request used the link first. */
  spend(id: string): boolean;
  /** Deletes every pending sign-up for the address (account deletion); returns how many. */
  deleteForEmail(email: string): number;
}

/** The PendingSignupStore as callers see it once PostgreSQL may be behind it. */
export type AsyncPendingSignupStore = AsyncStore<PendingSignupStore>;

export function pendingSignupOf(row: PendingSignupRow): PendingSignup {
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    phone: row.phone,
    passwordHash: row.password_hash,
    customer: { kind: row.customer_kind, name: row.customer_name },
    workspace: { name: row.workspace_name, slug: row.workspace_slug },
    termsVersion: row.terms_version,
    ip: row.ip,
    createdAt: row.created_at,
  };
}

export class SqlitePendingSignupStore implements PendingSignupStore {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number,
  ) {}

  create(input: PendingSignupInput): { token: string; expiresAt: number } {
    const token = generateSecretToken();
    const now = this.now();
    const expiresAt = now + SIGNUP_LINK_LIFETIME_MS;
    this.db.prepare('DELETE FROM pending_signups WHERE expires_at <= ?').run(now);
    this.db
      .prepare(
        `INSERT INTO pending_signups (id, token_hash, email, display_name, phone, password_hash,
           customer_kind, customer_name, workspace_name, workspace_slug, terms_version, ip,
           created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
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
      );
    return { token, expiresAt };
  }

  lookup(token: string): PendingSignupLookup {
    const row = this.db
      .prepare('SELECT * FROM pending_signups WHERE token_hash = ?')
      .get(hashSecretToken(token)) as PendingSignupRow | undefined;
    if (!row) return { kind: 'invalid' };
    if (this.now() >= row.expires_at) return { kind: 'expired' };
    return { kind: 'valid', signup: pendingSignupOf(row) };
  }

  /**
   * Deletes the row (call inside the transaction that creates the account). Returns false
   * when it was already gone — a concurrent use of the same link won.
   */
  spend(id: string): boolean {
    return this.db.prepare('DELETE FROM pending_signups WHERE id = ?').run(id).changes === 1;
  }

  deleteForEmail(email: string): number {
    return this.db.prepare('DELETE FROM pending_signups WHERE email = ?').run(email).changes;
  }
}
