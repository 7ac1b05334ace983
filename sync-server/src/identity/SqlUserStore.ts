import { newId } from '../ids/newId.ts';
import type { SqlDatabase } from '../store/sql/SqlDatabase.ts';
import {
  DELETED_USER_NAME,
  toUser,
  type AsyncUserStore,
  type NewUser,
  type User,
  type UserRow,
} from './UserStore.ts';

/**
 * Accounts on the SQL seam (store/sql/): the statements of SqliteUserStore, written once
 * for SQLite and PostgreSQL. Each method is one statement; inside a caller's
 * `SqlDatabase.transaction` it joins that transaction.
 */
export class SqlUserStore implements AsyncUserStore {
  constructor(
    private readonly db: SqlDatabase,
    private readonly now: () => number,
  ) {}

  async byId(id: string): Promise<User | undefined> {
    const row = await this.db.get<UserRow>('SELECT * FROM users WHERE id = ?', [id]);
    return row ? toUser(row) : undefined;
  }

  async byEmail(email: string): Promise<User | undefined> {
    const row = await this.db.get<UserRow>('SELECT * FROM users WHERE email = ?', [email]);
    return row ? toUser(row) : undefined;
  }

  async create(user: NewUser): Promise<string> {
    const id = newId();
    const now = this.now();
    await this.db.run(
      `INSERT INTO users (id, email, display_name, phone, password_hash, platform_role, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        id,
        user.email,
        user.displayName,
        user.phone ?? null,
        user.passwordHash,
        user.platformRole ?? null,
        now,
        now,
      ],
    );
    return id;
  }

  async updateProfile(id: string, profile: { displayName: string; phone: string | null }) {
    await this.db.run('UPDATE users SET display_name = ?, phone = ?, updated_at = ? WHERE id = ?', [
      profile.displayName,
      profile.phone,
      this.now(),
      id,
    ]);
  }

  async setPasswordHash(id: string, passwordHash: string, { unlock }: { unlock: boolean }) {
    await this.db.run(
      unlock
        ? 'UPDATE users SET password_hash = ?, must_reset_password = 0, updated_at = ? WHERE id = ?'
        : 'UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?',
      [passwordHash, this.now(), id],
    );
  }

  async requirePasswordReset(id: string): Promise<void> {
    await this.db.run('UPDATE users SET must_reset_password = 1, updated_at = ? WHERE id = ?', [
      this.now(),
      id,
    ]);
  }

  async setStatus(id: string, status: User['status']): Promise<void> {
    await this.db.run('UPDATE users SET status = ?, updated_at = ? WHERE id = ?', [
      status,
      this.now(),
      id,
    ]);
  }

  async makeOperator(id: string): Promise<void> {
    await this.db.run(`UPDATE users SET platform_role = 'operator', updated_at = ? WHERE id = ?`, [
      this.now(),
      id,
    ]);
  }

  async lockRow(id: string): Promise<void> {
    await this.db.get(`SELECT id FROM users WHERE id = ?${this.db.dialect.forUpdate}`, [id]);
  }

  async anonymise(id: string, tombstoneEmail: string): Promise<void> {
    // An empty hash verifies no password (argon2 refuses to parse it), so nobody logs in.
    await this.db.run(
      `UPDATE users SET email = ?, display_name = ?, phone = NULL, password_hash = '',
         must_reset_password = 0, platform_role = NULL, updated_at = ? WHERE id = ?`,
      [tombstoneEmail, DELETED_USER_NAME, this.now(), id],
    );
  }

  async pageAfter(afterId: string, limit: number): Promise<User[]> {
    const rows = await this.db.all<UserRow>(
      'SELECT * FROM users WHERE id > ? ORDER BY id LIMIT ?',
      [afterId, limit],
    );
    return rows.map(toUser);
  }
}
