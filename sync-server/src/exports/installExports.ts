import path from 'node:path';
import type { Hono } from 'hono';
import type { BlobCatalog } from '../blobs/BlobCatalog.ts';
import type { BlobQuota } from '../blobs/BlobQuota.ts';
import type { BlobStorage } from '../blobs/BlobStorage.ts';
import type { UserStore } from '../identity/UserStore.ts';
import { ShutdownPhase } from '../lifecycle/ShutdownHooks.ts';
import type { ServerContext } from '../ServerContext.ts';
import { sqliteWorkspaceReader } from '../snapshots/SqliteWorkspaceReader.ts';
import type { DocStore } from '../store/DocStore.ts';
import type { WorkspaceDeletionStore } from '../workspaces/WorkspaceDeletionStore.ts';
import type { MemberRequestDeps } from '../workspaces/memberRequest.ts';
import { ExportFiles } from './ExportFiles.ts';
import { installExportRoutes } from './exportRoutes.ts';
import { ExportService, type ExportServiceStores } from './ExportService.ts';
import { WorkspaceImporter, type ImporterStores } from './WorkspaceImporter.ts';

/** The expiry sweep's name on the process's `JobLease`: one process of a cluster sweeps. */
export const EXPORT_EXPIRY_JOB = 'export-expiry';

/** How often finished exports are checked for expiry. @default 1 hour */
const EXPIRY_SWEEP_MS = 60 * 60 * 1000;

/**
 * The stores exports and imports read and write, on their async interfaces (issue 19);
 * part of `Services.control`.
 */
export interface ExportModuleStores extends ExportServiceStores, ImporterStores {}

/** What exports and imports use of the service graph (createServices builds it). */
export interface ExportDeps extends ServerContext {
  readonly control: ExportModuleStores;
  /** Whose account was deleted (the archive's authors; read while rendering, synchronously). */
  readonly users: Pick<UserStore, 'byId'>;
  readonly blobQuota: BlobQuota;
  readonly blobCatalog: BlobCatalog;
  /** Workspaces being deleted: their exports are refused and cancelled. */
  readonly workspaceDeletions?: Pick<WorkspaceDeletionStore, 'pending'>;
  /**
   * Woken after an import wrote documents past the sync engine: the projector has no poll,
   * so an import it is not told about stays unsearchable until the workspace's next write.
   */
  readonly searchProjector: { wake(): void };
}

export interface InstalledExports {
  readonly service: ExportService;
  readonly importer: WorkspaceImporter;
}

/**
 * Export jobs and the importer, built once by the composition root (createSyncServices):
 * they need attachment storage and the sync engine's store, which an import writes the new
 * workspace's documents to.
 */
export function createExports(
  ctx: ExportDeps,
  blobs: BlobStorage,
  /** The sync engine's store. */
  docs: DocStore,
): InstalledExports {
  if (!ctx.config.sqlitePath) throw new Error('Exports need the SQLite store.');
  const log = ctx.log.child({ module: 'exports' });
  const service = new ExportService({
    ...ctx,
    files: new ExportFiles(path.join(ctx.config.DATA_DIR, 'exports')),
    openReader: sqliteWorkspaceReader(ctx.config.sqlitePath),
    heavy: ctx.offThread,
    blobs,
    log,
    ttlMs: ctx.config.EXPORT_TTL_HOURS * 60 * 60 * 1000,
    closing: (workspaceId) => ctx.workspaceDeletions?.pending(workspaceId) != null,
  });
  const importer = new WorkspaceImporter({ ...ctx, blobs, docs, log });
  return { service, importer };
}

/**
 * Workspace export and import (issue 16): the routes, jobs interrupted by the last stop
 * resumed, the hourly expiry sweep, and the shutdown step that stops a running export
 * between two documents (it continues from there on the next start).
 */
export function installExports(
  app: Hono,
  ctx: ServerContext & MemberRequestDeps,
  { service, importer }: InstalledExports,
): void {
  const log = ctx.log.child({ module: 'exports' });
  installExportRoutes(app, ctx, service, importer);

  service
    .resume()
    .catch((err: unknown) => log.error({ err }, 'resuming interrupted exports failed'));
  const sweep = () =>
    ctx.jobLease
      .runOnce(EXPORT_EXPIRY_JOB, () => service.expireDue().then(() => undefined))
      .catch((err: unknown) => log.error({ err }, 'export expiry sweep failed'));
  void sweep();
  const timer = setInterval(() => void sweep(), EXPIRY_SWEEP_MS);
  timer.unref();
  ctx.shutdown.add(ShutdownPhase.connections, 'exports', async () => {
    clearInterval(timer);
    await service.stop();
  });
}
