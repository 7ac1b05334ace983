import { SqliteAuditStore } from '../audit/AuditStore.ts';
import type { SqliteDatabase } from '../db/Database.ts';
import { sqliteWorkspaceStores } from '../workspaces/workspaceStores.ts';
import type { NewCustomerWithWorkspace } from '../workspaces/WorkspaceStore.ts';

export type { NewCustomerWithWorkspace, NewWorkspace } from '../workspaces/WorkspaceStore.ts';

/**
 * A customer and its first workspace, in trial, on a bare database at the instant `now` —
 * for seeds, benchmarks and unit tests that hold a database but no server. It calls
 * `WorkspaceStore.createWithCustomer` on the same stores createServices builds; the server
 * itself only ever goes through the store built there.
 */
export function createCustomerWithWorkspace(
  db: SqliteDatabase,
  input: NewCustomerWithWorkspace,
  now: number,
): { customerId: string; workspaceId: string } {
  const clock = () => now;
  const { workspaces } = sqliteWorkspaceStores(db, clock, new SqliteAuditStore(db, clock));
  return workspaces.createWithCustomer(input);
}
