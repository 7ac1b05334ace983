import type { SqliteDatabase } from '../db/Database.ts';
import { cachedStatement } from '../db/statementCache.ts';

/** A row of `users` (0002_identity) as the auth module reads it. */
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

export function readUser(db: SqliteDatabase, id: string): UserRow | undefined {
  return cachedStatement(db, 'SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
}

export function readUserByEmail(db: SqliteDatabase, email: string): UserRow | undefined {
  return db.prepare('SELECT * FROM users WHERE email = ?').get(email) as UserRow | undefined;
}

export interface WorkspaceOfUser {
  id: string;
  slug: string;
  name: string;
  role: string;
}

/** The workspaces the user is a member of, oldest membership first (the first is "home"). */
export function workspacesOfUser(db: SqliteDatabase, userId: string): WorkspaceOfUser[] {
  return db
    .prepare(
      `SELECT w.id, w.slug, w.name, m.role FROM memberships m
       JOIN workspaces w ON w.id = m.workspace_id
       WHERE m.user_id = ? ORDER BY m.created_at, w.created_at`,
    )
    .all(userId) as WorkspaceOfUser[];
}
