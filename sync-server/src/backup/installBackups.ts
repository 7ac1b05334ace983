import path from 'node:path';
import { ShutdownPhase } from '../lifecycle/ShutdownHooks.ts';
import type { ServerContext } from '../ServerContext.ts';
import { createBackup } from './DatabaseBackup.ts';
import { holdServerLock } from './serverLock.ts';

/** The backup's name on the process's `JobLease`: one process of a cluster backs up. */
export const BACKUP_JOB = 'backup';

/** Where database backups go, and where attachments (blobs) live, under DATA_DIR. */
export function backupPaths(dataDir: string): { backupsDir: string; blobsDir: string } {
  return { backupsDir: path.join(dataDir, 'backups'), blobsDir: path.join(dataDir, 'blobs') };
}

export interface InstalledBackups {
  /** Takes a backup now (the schedule's job; tests and tools call it directly). */
  backupNow(): ReturnType<typeof createBackup>;
}

/**
 * Disaster backups of the whole database: every BACKUP_INTERVAL_HOURS an online backup into
 * DATA_DIR/backups (kept: BACKUP_KEEP). Also marks DATA_DIR as used by this live server
 * (`server.pid`), so the restore command refuses to run under it.
 */
export function installBackups(ctx: ServerContext): InstalledBackups {
  const log = ctx.log.child({ module: 'backup' });
  const release = holdServerLock(ctx.config.DATA_DIR, ctx.now());
  const { backupsDir, blobsDir } = backupPaths(ctx.config.DATA_DIR);
  let running: Promise<unknown> | null = null;

  const backupNow = () =>
    createBackup({
      db: ctx.db,
      backupsDir,
      blobsDir,
      now: ctx.now(),
      keep: ctx.config.BACKUP_KEEP,
    });

  const intervalMs = ctx.config.BACKUP_INTERVAL_HOURS * 60 * 60 * 1000;
  const timer =
    intervalMs > 0
      ? setInterval(() => {
          if (running) return;
          running = ctx.jobLease
            .runOnce(BACKUP_JOB, async () => {
              const manifest = await backupNow();
              log.info({ file: manifest.file, bytes: manifest.bytes }, 'database backup written');
            })
            .catch((err: unknown) => log.error({ err }, 'database backup failed'))
            .finally(() => {
              running = null;
            });
        }, intervalMs)
      : null;
  timer?.unref();

  // Before the database closes (stores phase): let a backup in progress finish.
  ctx.shutdown.add(ShutdownPhase.flush, 'database backups', async () => {
    if (timer) clearInterval(timer);
    await running;
  });
  ctx.shutdown.add(ShutdownPhase.stores, 'server lock', () => release());
  return { backupNow };
}
