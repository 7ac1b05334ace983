import { ErrorCode } from '@desk/protocol';
import type { SqliteDatabase } from '../db/Database.ts';
import { AppError } from '../http/AppError.ts';
import { newId } from '../ids/newId.ts';
import { Subscriptions } from '../billing/Subscriptions.ts';
import { SeatLedger } from './SeatLedger.ts';
import { assertValidSlug } from './slug.ts';

export interface NewWorkspace {
  name: string;
  slug: string;
}

export interface NewCustomerWithWorkspace {
  ownerUserId: string;
  customer: { kind: 'organization' | 'person'; name: string };
  workspace: NewWorkspace;
}

/**
 * Creates the paying customer and its first workspace, owned by `ownerUserId`, in trial.
 * Synchronous and transaction-free so sign-up can call it inside its own transaction
 * (user + customer + workspace commit together or not at all). Throws AppError
 * `validation_failed` or `slug_taken`.
 */
export function createCustomerWithWorkspace(
  db: SqliteDatabase,
  input: NewCustomerWithWorkspace,
  now: number,
): { customerId: string; workspaceId: string } {
  // Validate the workspace before writing anything, so a bad slug leaves no customer behind
  // even when the caller does not roll back.
  const { customerName, workspace } = checkCustomerWithWorkspace(db, input);
  const customerId = newId();
  db.prepare(
    'INSERT INTO customers (id, kind, name, owner_user_id, created_at) VALUES (?, ?, ?, ?, ?)',
  ).run(customerId, input.customer.kind, customerName, input.ownerUserId, now);
  const { workspaceId } = insertWorkspace(db, customerId, input.ownerUserId, workspace, now);
  return { customerId, workspaceId };
}

/**
 * The validation `createCustomerWithWorkspace` does, without writing: sign-up checks the
 * names and the workspace address when it is requested, before the emailed confirmation
 * creates them (which checks again). Throws AppError `validation_failed` or `slug_taken`.
 */
export function checkCustomerWithWorkspace(
  db: SqliteDatabase,
  input: Pick<NewCustomerWithWorkspace, 'customer' | 'workspace'>,
): { customerName: string; workspace: NewWorkspace } {
  const customerName = input.customer.name.trim();
  if (!customerName || customerName.length > 200) {
    throw AppError.badRequest('The customer name is not valid.', {
      'customer.name': 'Enter a name of at most 200 characters.',
    });
  }
  return { customerName, workspace: normalizeWorkspace(db, input.workspace) };
}

/**
 * Another workspace for an existing customer ("create another workspace"); the caller
 * must be the customer's owner. Also synchronous and transaction-free.
 */
export function createWorkspaceForCustomer(
  db: SqliteDatabase,
  input: { customerId: string; ownerUserId: string; workspace: NewWorkspace },
  now: number,
): { workspaceId: string } {
  const workspace = normalizeWorkspace(db, input.workspace);
  return insertWorkspace(db, input.customerId, input.ownerUserId, workspace, now);
}

function normalizeWorkspace(db: SqliteDatabase, input: NewWorkspace): NewWorkspace {
  const name = input.name.trim();
  if (!name || name.length > 100) {
    throw AppError.badRequest('The workspace name is not valid.', {
      'workspace.name': 'Enter a name of at most 100 characters.',
    });
  }
  const slug = input.slug.trim().toLowerCase();
  assertValidSlug(slug);
  if (db.prepare('SELECT 1 FROM workspaces WHERE slug = ?').get(slug)) throw slugTaken();
  return { name, slug };
}

function insertWorkspace(
  db: SqliteDatabase,
  customerId: string,
  ownerUserId: string,
  workspace: NewWorkspace,
  now: number,
): { workspaceId: string } {
  const workspaceId = newId();
  try {
    db.prepare(
      'INSERT INTO workspaces (id, customer_id, slug, name, created_at) VALUES (?, ?, ?, ?, ?)',
    ).run(workspaceId, customerId, workspace.slug, workspace.name, now);
  } catch (err) {
    // A concurrent sign-up (another process) took the slug between the check and the insert.
    if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw slugTaken();
    throw err;
  }
  db.prepare(
    `INSERT INTO memberships (workspace_id, user_id, role, created_at) VALUES (?, ?, 'owner', ?)`,
  ).run(workspaceId, ownerUserId, now);
  Subscriptions.startTrial(db, workspaceId, now);
  SeatLedger.record(
    db,
    {
      workspaceId,
      userId: ownerUserId,
      event: 'joined',
      role: 'owner',
      previousRole: null,
      actorUserId: ownerUserId,
    },
    now,
  );
  return { workspaceId };
}

function slugTaken(): AppError {
  return new AppError(ErrorCode.slugTaken, 409, 'This workspace address is already taken.', {
    fields: { slug: 'This address is taken. Choose another one.' },
  });
}
