import { newId } from '../ids/newId.ts';
import type { SqlDatabase } from '../store/sql/SqlDatabase.ts';

/**
 * Rows a store contract stands on (users, a workspace with its owner), written through the
 * seam so they are the same on SQLite and PostgreSQL. What the contract specifies is the
 * store's own behaviour, not how accounts and workspaces are made.
 */
export async function seedUser(
  sql: SqlDatabase,
  input: { name: string; operator?: boolean; at?: number },
): Promise<string> {
  const id = newId();
  const at = input.at ?? 0;
  await sql.run(
    `INSERT INTO users (id, email, display_name, password_hash, platform_role, created_at, updated_at)
     VALUES (?, ?, ?, 'h', ?, ?, ?)`,
    [
      id,
      `${input.name.toLowerCase()}@example.com`,
      input.name,
      input.operator ? 'operator' : null,
      at,
      at,
    ],
  );
  return id;
}

/** A customer and its workspace, `ownerId` its owner (a membership). */
export async function seedWorkspace(
  sql: SqlDatabase,
  input: { ownerId: string; slug: string; at?: number },
): Promise<string> {
  const customerId = newId();
  const workspaceId = newId();
  const at = input.at ?? 0;
  await sql.run(
    'INSERT INTO customers (id, kind, name, owner_user_id, created_at) VALUES (?, ?, ?, ?, ?)',
    [customerId, 'organization', input.slug, input.ownerId, at],
  );
  await sql.run(
    'INSERT INTO workspaces (id, customer_id, slug, name, created_at) VALUES (?, ?, ?, ?, ?)',
    [workspaceId, customerId, input.slug, input.slug.toUpperCase(), at],
  );
  await sql.run(
    'INSERT INTO memberships (workspace_id, user_id, role, created_at) VALUES (?, ?, ?, ?)',
    [workspaceId, input.ownerId, 'owner', at],
  );
  return workspaceId;
}
