import type { Hono } from 'hono';
import { ShutdownPhase } from '../lifecycle/ShutdownHooks.ts';
import type { SnapshotSchedule } from './SnapshotSchedule.ts';
import { installSnapshotRoutes, type SnapshotRouteDeps } from './snapshotRoutes.ts';
import type { SnapshotService } from './SnapshotService.ts';

/** What snapshots need: the service and its schedule, built once in createSyncServices. */
export interface SnapshotDeps extends SnapshotRouteDeps {
  readonly snapshots: SnapshotService;
  readonly snapshotSchedule: SnapshotSchedule;
}

/**
 * Workspace snapshots: REST routes, the automatic schedule (SNAPSHOT_INTERVAL_MINUTES) and
 * their shutdown step. Snapshots left half-captured by a crash are removed at start-up.
 */
export function installSnapshots(app: Hono, deps: SnapshotDeps): void {
  const { snapshots: service, snapshotSchedule: schedule } = deps;
  // Each workspace under its `snapshots:<workspaceId>` lease: on a cluster, a workspace
  // another process is capturing now keeps its capture (removed at a later start).
  service
    .removeIncomplete()
    .then((removed) => {
      if (removed > 0) deps.log.warn({ removed }, 'removed snapshots left incomplete by a crash');
    })
    .catch((err: unknown) => deps.log.error({ err }, 'removing incomplete snapshots failed'));

  schedule.start();
  // Before the sync engine flushes and unloads its rooms: a restore in progress still
  // needs them to apply its last updates.
  deps.shutdown.add(ShutdownPhase.connections, 'snapshots', async () => {
    await schedule.stop();
    await service.queue.close();
  });

  installSnapshotRoutes(app, deps, service);
}
