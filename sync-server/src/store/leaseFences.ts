import { StaleFenceError, type LeaseFence } from './DocStore.ts';
import type { SqlDatabase } from './sql/SqlDatabase.ts';

/**
 * Raises the name's highest fence (`lease_fences`, PostgreSQL schema version 12) to the
 * write's own and returns the highest now: under the row's lock until the transaction ends,
 * so of two holders writing at once the later fence wins whichever commits first.
 * PostgreSQL's `$n` placeholders: the seam leaves them as they are (no `?` to translate).
 */
const RAISE_FENCE = `INSERT INTO lease_fences AS f (name, fence) VALUES ($1, $2)
  ON CONFLICT (name) DO UPDATE SET fence = GREATEST(f.fence, excluded.fence)
  RETURNING f.fence`;

/** Runs RAISE_FENCE in the caller's transaction and answers its one row. */
export type FenceQuery = (
  sql: string,
  params: [string, number],
) => Promise<{ fence: string | number } | undefined>;

/**
 * The check of a write made under a lease (issue 19): call it first in the write's
 * transaction. Refuses with `StaleFenceError` — the caller's transaction then rolls back,
 * nothing of it written — when another holder of the name has written with a newer fence:
 * this one was paused past its lease's TTL and is no longer the holder. PgDocStore.compact,
 * the search projection, snapshot jobs and the purge use it.
 */
export async function checkLeaseFence(query: FenceQuery, lease: LeaseFence): Promise<void> {
  const row = await query(RAISE_FENCE, [lease.name, lease.fence]);
  const highest = Number(row?.fence ?? 0);
  if (highest > lease.fence) throw new StaleFenceError(lease.name, lease.fence, highest);
}

/**
 * `checkLeaseFence` on the SQL seam, inside `db.transaction`. Only PostgreSQL: SQLite is one
 * process, where nobody else can hold a lease (its fence is null anyway), and has no
 * `lease_fences` table.
 */
export async function checkSqlFence(
  db: SqlDatabase,
  lease: LeaseFence | null | undefined,
): Promise<void> {
  if (!lease || db.dialect.name !== 'postgres') return;
  await checkLeaseFence((sql, params) => db.get<{ fence: string | number }>(sql, params), lease);
}

/** A job's grant as the fence its writes carry: null where leases have none (one process). */
export function leaseFence(name: string, fence: number | null): LeaseFence | null {
  return fence === null ? null : { name, fence };
}
