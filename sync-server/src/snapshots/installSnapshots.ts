import type { Hono } from 'hono';
import { ShutdownPhase } from '../lifecycle/ShutdownHooks.ts';
import type { SyncEngine } from '../sync/SyncEngine.ts';
import { SnapshotSchedule } from './SnapshotSchedule.ts';
import { installSnapshotRoutes, type SnapshotRouteDeps } from './snapshotRoutes.ts';
import { SnapshotService } from './SnapshotService.ts';
import { snapshotSyncOf } from './SnapshotSync.ts';
import { sqliteWorkspaceReader } from './WorkspaceReader.ts';

export interface InstalledSnapshots {
  readonly service: SnapshotService;
  readonly schedule: SnapshotSchedule;
}

/**
 * Workspace snapshots: REST routes, the automatic schedule (SNAPSHOT_INTERVAL_MINUTES) and
 * their shutdown step. Snapshots left half-captured by a crash are removed at start-up.
 */
export function installSnapshots(
  app: Hono,
  ctx: SnapshotRouteDeps,
  engine: SyncEngine,
): InstalledSnapshots {
  if (!ctx.config.sqlitePath) throw new Error('Snapshots need the SQLite store.');
  const sync = snapshotSyncOf(engine);
  const service = new SnapshotService({
    db: ctx.db,
    log: ctx.log,
    now: ctx.now,
    sync,
    openReader: sqliteWorkspaceReader(ctx.config.sqlitePath),
    heavy: ctx.offThread,
    workspaceAccess: ctx.workspaceAccess,
  });
  const removed = service.store.deleteIncomplete();
  if (removed > 0) ctx.log.warn({ removed }, 'removed snapshots left incomplete by a crash');

  const schedule = new SnapshotSchedule(
    ctx.db,
    ctx.log.child({ module: 'snapshots' }),
    ctx.now,
    service,
    sync,
    ctx.config.SNAPSHOT_INTERVAL_MINUTES * 60_000,
  );
  schedule.start();
  // Before the sync engine flushes and unloads its rooms: a restore in progress still
  // needs them to apply its last updates.
  ctx.shutdown.add(ShutdownPhase.connections, 'snapshots', async () => {
    await schedule.stop();
    await service.queue.idle();
  });

  installSnapshotRoutes(app, ctx, service);
  return { service, schedule };
}
