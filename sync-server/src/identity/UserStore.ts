import { DELETED_USER_NAME } from '@desk/protocol';
import type { SqliteDatabase } from '../db/Database.ts';
import { cachedStatement } from '../db/statementCache.ts';
import { newId } from '../ids/newId.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';
import type { AuthUser } from './AuthContext.ts';

/** An account (table `users`, 0002_identity). */
export interface User {
  readonly id: string;
  readonly email: string;
  readonly displayName: string;
  readonly phone: string | null;
  /** argon2id (identity/passwords.ts). */
  readonly passwordHash: string;
  readonly status: 'active' | 'suspended';
  /** Locked until a password reset (after a report of unauthorized use). */
  readonly mustResetPassword: boolean;
  readonly platformRole: 'operator' | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface NewUser {
  /** Already normalized (http/emailAddress). */
  readonly email: string;
  readonly displayName: string;
  readonly phone?: string | null;
  readonly passwordHash: string;
  readonly platformRole?: 'operator' | null;
}

/** `UserStore` with promises: the SQLite store wrapped, or `SqlUserStore` on PostgreSQL. */
export type AsyncUserStore = AsyncStore<UserStore>;

/**
 * Accounts. The one place that writes `users`: sign-up, invitation acceptance and the
 * operator CLI all create accounts through `create`. Synchronous so that callers can put a
 * call inside a transaction with other stores (db/Transactions.ts).
 */
export interface UserStore {
  byId(id: string): User | undefined;
  byEmail(email: string): User | undefined;
  /** Creates the account and returns its id. */
  create(user: NewUser): string;
  updateProfile(id: string, profile: { displayName: string; phone: string | null }): void;
  /** A new password; `unlock` also lifts the lock of a reported unauthorized use. */
  setPasswordHash(id: string, passwordHash: string, options: { unlock: boolean }): void;
  /** Locks the account until its password is reset. */
  requirePasswordReset(id: string): void;
  setStatus(id: string, status: User['status']): void;
  makeOperator(id: string): void;
  /**
   * Account deletion: the row stays (authored content, audit entries and seat records keep
   * pointing at it) but says nothing about the person any more — the email becomes
   * `tombstoneEmail` (unique, so the address can sign up again), the name "Deleted user",
   * no phone, no usable password.
   */
  anonymise(id: string, tombstoneEmail: string): void;
  /**
   * Inside a write transaction: holds the user's row until it ends, so a transaction that
   * adds a row pointing at the user (a membership: its foreign key's check locks the row in
   * share mode) either committed before or waits for this one (account deletion reads the
   * account's workspaces after it). PostgreSQL `FOR UPDATE`; nothing on SQLite, whose write
   * transaction already holds the whole database.
   */
  lockRow(id: string): void;
  /** Up to `limit` users with an id after `afterId`, ordered by id (mail to everyone in batches). */
  pageAfter(afterId: string, limit: number): User[];
}

/** The name every deleted account shows under (authored content, audit log). */
export { DELETED_USER_NAME };

/** Deleted accounts' addresses are in this domain, which can never receive mail (RFC 2606). */
export const DELETED_EMAIL_DOMAIN = 'deleted.invalid';

/** The address a deleted account keeps: unique per account, so the real one is free again. */
export function tombstoneEmail(userId: string): string {
  return `deleted-${userId}@${DELETED_EMAIL_DOMAIN}`;
}

/** A `users` row as both engines return it (store/sql/ reads the same columns). */
export interface UserRow {
  id: string;
  email: string;
  display_name: string;
  phone: string | null;
  password_hash: string;
  status: 'active' | 'suspended';
  must_reset_password: 0 | 1;
  platform_role: 'operator' | null;
  created_at: number;
  updated_at: number;
}

export class SqliteUserStore implements UserStore {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number,
  ) {}

  byId(id: string): User | undefined {
    // Every request and upgrade reads its user: a cached statement.
    const row = cachedStatement(this.db, 'SELECT * FROM users WHERE id = ?').get(id);
    return row ? toUser(row as UserRow) : undefined;
  }

  byEmail(email: string): User | undefined {
    const row = cachedStatement(this.db, 'SELECT * FROM users WHERE email = ?').get(email);
    return row ? toUser(row as UserRow) : undefined;
  }

  create(user: NewUser): string {
    const id = newId();
    const now = this.now();
    this.db
      .prepare(
        `INSERT INTO users (id, email, display_name, phone, password_hash, platform_role, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        user.email,
        user.displayName,
        user.phone ?? null,
        user.passwordHash,
        user.platformRole ?? null,
        now,
        now,
      );
    return id;
  }

  updateProfile(id: string, profile: { displayName: string; phone: string | null }): void {
    this.db
      .prepare('UPDATE users SET display_name = ?, phone = ?, updated_at = ? WHERE id = ?')
      .run(profile.displayName, profile.phone, this.now(), id);
  }

  setPasswordHash(id: string, passwordHash: string, { unlock }: { unlock: boolean }): void {
    this.db
      .prepare(
        unlock
          ? 'UPDATE users SET password_hash = ?, must_reset_password = 0, updated_at = ? WHERE id = ?'
          : 'UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?',
      )
      .run(passwordHash, this.now(), id);
  }

  requirePasswordReset(id: string): void {
    this.db
      .prepare('UPDATE users SET must_reset_password = 1, updated_at = ? WHERE id = ?')
      .run(this.now(), id);
  }

  setStatus(id: string, status: User['status']): void {
    this.db
      .prepare('UPDATE users SET status = ?, updated_at = ? WHERE id = ?')
      .run(status, this.now(), id);
  }

  pageAfter(afterId: string, limit: number): User[] {
    const rows = this.db
      .prepare('SELECT * FROM users WHERE id > ? ORDER BY id LIMIT ?')
      .all(afterId, limit) as UserRow[];
    return rows.map(toUser);
  }

  makeOperator(id: string): void {
    this.db
      .prepare(`UPDATE users SET platform_role = 'operator', updated_at = ? WHERE id = ?`)
      .run(this.now(), id);
  }

  lockRow(): void {
    // The IMMEDIATE write transaction this runs in holds the database already.
  }

  anonymise(id: string, tombstoneEmail: string): void {
    // An empty hash verifies no password (argon2 refuses to parse it), so nobody logs in.
    this.db
      .prepare(
        `UPDATE users SET email = ?, display_name = ?, phone = NULL, password_hash = '',
           must_reset_password = 0, platform_role = NULL, updated_at = ? WHERE id = ?`,
      )
      .run(tombstoneEmail, DELETED_USER_NAME, this.now(), id);
  }
}

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    phone: row.phone,
    passwordHash: row.password_hash,
    status: row.status,
    mustResetPassword: row.must_reset_password === 1,
    platformRole: row.platform_role,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The account as every request sees it (`c.var.auth.user`). */
export function toAuthUser(user: User): AuthUser {
  return {
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    platformRole: user.platformRole,
    status: user.status,
  };
}
