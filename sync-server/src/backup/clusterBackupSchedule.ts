import os from 'node:os';
import type { JobLease } from '../lifecycle/JobLease.ts';
import type { SqlDatabase } from '../store/sql/SqlDatabase.ts';
import type { ClusterBackupManifest } from './ClusterBackup.ts';

/** The job's name on the cluster's `JobLease` (the same one the SQLite backup holds). */
export const BACKUP_JOB = 'backup';

/**
 * The cluster's last backup, kept in its PostgreSQL (`meta`, key `cluster_backup`): every
 * process's timer reads it under the lease, so BACKUP_INTERVAL_HOURS is once per cluster
 * rather than once per process, and an operator can tell which host holds the newest dump
 * (each dump lands in the backups folder of the process that took it).
 */
export interface ClusterBackupRecord {
  at: number;
  /** The dump's file name; '' before the first dump (the cluster was first seen `at`). */
  file: string;
  host: string;
  backupsDir: string;
}

const RECORD_KEY = 'cluster_backup';

/** Whether the database holds the server's schema (a cluster has started on it). */
export async function hasServerSchema(sql: SqlDatabase): Promise<boolean> {
  const row = await sql.get<{ name: string | null }>(
    "SELECT to_regclass('public.meta')::text AS name",
  );
  return Boolean(row?.name);
}

export async function readClusterBackupRecord(
  sql: SqlDatabase,
): Promise<ClusterBackupRecord | null> {
  if (!(await hasServerSchema(sql))) return null;
  const row = await sql.get<{ value: string }>('SELECT value FROM meta WHERE key = ?', [
    RECORD_KEY,
  ]);
  if (!row) return null;
  try {
    return JSON.parse(row.value) as ClusterBackupRecord;
  } catch {
    return null; // unreadable: treated as no backup yet, so the next tick takes one
  }
}

export async function writeClusterBackupRecord(
  sql: SqlDatabase,
  record: ClusterBackupRecord,
): Promise<void> {
  await sql.run(
    `INSERT INTO meta (key, value) VALUES (?, ?)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    [RECORD_KEY, JSON.stringify(record)],
  );
}

/** What one timer tick came to. */
export type ClusterBackupTick =
  | { readonly outcome: 'ran'; readonly manifest: ClusterBackupManifest }
  | { readonly outcome: 'not due'; readonly last: ClusterBackupRecord }
  | { readonly outcome: 'held elsewhere' };

export interface ClusterBackupScheduleDeps {
  readonly jobLease: JobLease;
  readonly sql: SqlDatabase;
  /** BACKUP_INTERVAL_HOURS in ms. */
  readonly intervalMs: number;
  readonly backupsDir: string;
  readonly now: () => number;
  /** Takes the dump (createClusterBackup); `lost` stops it when the lease is lost. */
  readonly backup: (lost: AbortSignal) => Promise<ClusterBackupManifest>;
}

/**
 * One tick of a cluster process's backup timer. Every process ticks (often — each minute):
 * the lease lets one of them look at a time, and the record says whether the cluster's
 * last dump (or, before the first, the moment the cluster was first seen) is older than the
 * interval. So the cluster takes one dump per interval
 * whichever processes are up, and a dead holder's turn passes to the next tick elsewhere.
 * A failing dump rejects (PgToolError) and records nothing: the next tick tries again.
 */
export async function clusterBackupTick(
  deps: ClusterBackupScheduleDeps,
): Promise<ClusterBackupTick> {
  let result: ClusterBackupTick = { outcome: 'held elsewhere' };
  await deps.jobLease.runOnce(BACKUP_JOB, async (lost) => {
    const last = await readClusterBackupRecord(deps.sql);
    if (!last) {
      // The first tick ever: note when the cluster was first seen, and dump one interval
      // later — as a single process takes its first backup one interval after it starts.
      // Otherwise every cluster process started (each test server, each new cluster) would
      // dump at once. `pnpm backup` takes one at any time.
      const first = { at: deps.now(), file: '', host: os.hostname(), backupsDir: deps.backupsDir };
      await writeClusterBackupRecord(deps.sql, first);
      result = { outcome: 'not due', last: first };
      return;
    }
    if (deps.now() - last.at < deps.intervalMs) {
      result = { outcome: 'not due', last };
      return;
    }
    const manifest = await deps.backup(lost);
    await recordClusterBackup(deps.sql, manifest, deps.backupsDir);
    result = { outcome: 'ran', manifest };
  });
  return result;
}

export function recordClusterBackup(
  sql: SqlDatabase,
  manifest: ClusterBackupManifest,
  backupsDir: string,
): Promise<void> {
  return writeClusterBackupRecord(sql, {
    at: manifest.createdAt,
    file: manifest.file,
    host: os.hostname(),
    backupsDir,
  });
}
