import path from 'node:path';
import { ShutdownPhase } from '../lifecycle/ShutdownHooks.ts';
import type { ServerContext } from '../ServerContext.ts';
import type { SqlDatabase } from '../store/sql/SqlDatabase.ts';
import { createClusterBackup, type ClusterBackupManifest } from './ClusterBackup.ts';
import { BACKUP_JOB, clusterBackupTick, recordClusterBackup } from './clusterBackupSchedule.ts';
import { createBackup } from './DatabaseBackup.ts';
import type { BackupManifest } from './backupFiles.ts';
import { PgToolError } from './pgTools.ts';
import { holdServerLock } from './serverLock.ts';

/** The backup's name on the process's `JobLease`: one process of a cluster backs up. */
export { BACKUP_JOB };

/** Where database backups go, and where attachments (blobs) live, under DATA_DIR. */
export function backupPaths(dataDir: string): { backupsDir: string; blobsDir: string } {
  return { backupsDir: path.join(dataDir, 'backups'), blobsDir: path.join(dataDir, 'blobs') };
}

export interface InstalledBackups {
  /**
   * Takes a backup now (the schedule's job; tests and tools call it directly): the SQLite
   * copy on one process, a pg_dump of the cluster's database on a cluster.
   */
  backupNow(): Promise<BackupManifest | ClusterBackupManifest>;
}

/** What a cluster process gives the backups: its PostgreSQL, and how often to look. */
export interface ClusterBackupParts {
  readonly sql: SqlDatabase;
  /** How often the timer asks whether the cluster's backup is due (CLUSTER_POLL_MS). */
  readonly pollMs: number;
}

/**
 * Disaster backups of the whole database: every BACKUP_INTERVAL_HOURS an online backup into
 * DATA_DIR/backups (kept: BACKUP_KEEP). Also marks DATA_DIR as used by this live server
 * (`server.pid`), so the restore command refuses to run under it.
 *
 * On a cluster the data is in PostgreSQL, not in the process's SQLite file: the job is a
 * `pg_dump` of DATABASE_URL instead (ClusterBackup.ts), once per cluster per interval
 * (clusterBackupSchedule.ts), into the backups folder of the process that takes it.
 */
export function installBackups(ctx: ServerContext, cluster?: ClusterBackupParts): InstalledBackups {
  const log = ctx.log.child({ module: 'backup' });
  const release = holdServerLock(ctx.config.DATA_DIR, ctx.now());
  const { backupsDir, blobsDir } = backupPaths(ctx.config.DATA_DIR);
  const postgresUrl = ctx.config.postgresUrl;
  let running: Promise<unknown> | null = null;
  // The server is stopping: a dump still running is stopped rather than waited for.
  const stopping = new AbortController();

  const sqliteBackup = () =>
    createBackup({
      db: ctx.db,
      backupsDir,
      blobsDir,
      now: ctx.now(),
      keep: ctx.config.BACKUP_KEEP,
    });
  const clusterBackup = (sql: SqlDatabase, url: string) => (lost?: AbortSignal) =>
    createClusterBackup({
      postgresUrl: url,
      sql,
      backupsDir,
      now: ctx.now(),
      keep: ctx.config.BACKUP_KEEP,
      pgDumpPath: ctx.config.PG_DUMP_PATH,
      attachmentsInS3: ctx.config.BLOB_S3_BUCKET !== undefined,
      signal: lost ? AbortSignal.any([lost, stopping.signal]) : stopping.signal,
    });

  const intervalMs = ctx.config.BACKUP_INTERVAL_HOURS * 60 * 60 * 1000;
  // A failed backup is logged as an error with its typed code (pg_tool_missing, …), never
  // passed over: the terms of service promise periodic backups.
  const failed = (err: unknown) =>
    log.error(
      err instanceof PgToolError ? { err, code: err.code, tool: err.tool } : { err },
      'database backup failed',
    );
  const written = (manifest: BackupManifest | ClusterBackupManifest) =>
    log.info({ file: manifest.file, bytes: manifest.bytes }, 'database backup written');

  let backupNow: InstalledBackups['backupNow'];
  let tick: () => Promise<unknown>;
  let tickMs = intervalMs;
  if (cluster && postgresUrl) {
    const dump = clusterBackup(cluster.sql, postgresUrl);
    backupNow = async () => {
      const manifest = await dump();
      await recordClusterBackup(cluster.sql, manifest, backupsDir);
      return manifest;
    };
    tick = async () => {
      const outcome = await clusterBackupTick({
        jobLease: ctx.jobLease,
        sql: cluster.sql,
        intervalMs,
        backupsDir,
        now: ctx.now,
        backup: dump,
      });
      if (outcome.outcome === 'ran') written(outcome.manifest);
    };
    // Look often, dump once per interval across the cluster (the record decides).
    tickMs = Math.min(intervalMs, cluster.pollMs);
  } else {
    backupNow = sqliteBackup;
    tick = () =>
      ctx.jobLease.runOnce(BACKUP_JOB, async () => {
        written(await sqliteBackup());
      });
  }

  const timer =
    intervalMs > 0
      ? setInterval(() => {
          if (running) return;
          running = tick()
            .catch(failed)
            .finally(() => {
              running = null;
            });
        }, tickMs)
      : null;
  timer?.unref();

  // Before the database closes (stores phase): let a backup in progress finish — or, for a
  // pg_dump (minutes on a large cluster), stop it: the next tick elsewhere takes one.
  ctx.shutdown.add(ShutdownPhase.flush, 'database backups', async () => {
    if (timer) clearInterval(timer);
    if (cluster) stopping.abort();
    await running;
  });
  ctx.shutdown.add(ShutdownPhase.stores, 'server lock', () => release());
  return { backupNow };
}
