import path from 'node:path';
import type { Hono } from 'hono';
import type { BlobStorage } from '../blobs/BlobStorage.ts';
import { ShutdownPhase } from '../lifecycle/ShutdownHooks.ts';
import type { ServerContext } from '../ServerContext.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';
import type { MemberRequestDeps } from '../workspaces/memberRequest.ts';
import type { WorkspaceDeletionStore } from '../workspaces/WorkspaceDeletionStore.ts';
import type { ExportDocs } from './ExportBuilder.ts';
import { ExportFiles } from './ExportFiles.ts';
import { installExportRoutes } from './exportRoutes.ts';
import { ExportService, type ExportServiceStores } from './ExportService.ts';
import {
  WorkspaceImporter,
  type ImportedDocsWriter,
  type ImporterStores,
} from './WorkspaceImporter.ts';

/**
 * The expiry sweep's name on the process's `JobLease` (it sweeps orphan zips too): one
 * process of a cluster sweeps.
 */
export const EXPORT_EXPIRY_JOB = 'export-expiry';

/** How often finished exports are checked for expiry, and the zip storage for orphans. @default 1 hour */
const EXPIRY_SWEEP_MS = 60 * 60 * 1000;

/**
 * The stores exports and imports read and write, on their async interfaces (issue 19);
 * part of `Services.control`.
 */
export interface ExportModuleStores extends ExportServiceStores, ImporterStores {
  /** Workspaces being deleted: their exports are refused and cancelled. */
  readonly workspaceDeletions: AsyncStore<WorkspaceDeletionStore>;
}

/**
 * What exports and imports use of the service graph (createServices builds it): the control
 * plane only (PostgreSQL's on a cluster), never the flat synchronous stores of `Services`.
 */
export interface ExportDeps extends ServerContext {
  readonly control: ExportModuleStores;
  /**
   * Woken after an import wrote its documents (through the engine, whose stored turns wake
   * it too; told again once the batch is in, as before): the projector has no poll.
   */
  readonly searchProjector: { wake(): void };
}

export interface InstalledExports {
  readonly service: ExportService;
  readonly importer: WorkspaceImporter;
}

/**
 * What exports and imports need of the sync engine: its documents read as stored (`docs`,
 * embedded or a cluster's) and a document written as the server (`applyServerUpdate`: stored,
 * then broadcast and published to the other processes, like a client's update).
 */
export interface ExportEngine {
  readonly docs: ExportDocs;
  applyServerUpdate(docId: string, update: Uint8Array): Promise<void>;
}

/**
 * An import's documents written through the engine's write path, which works on either store:
 * each batch submitted at once, so the pipeline stores it in as few transactions as it
 * gathers (group commit).
 */
export function engineDocsWriter(
  engine: Pick<ExportEngine, 'applyServerUpdate'>,
): ImportedDocsWriter {
  return {
    append: async (updates) => {
      await Promise.all(updates.map((u) => engine.applyServerUpdate(u.docId, u.update)));
    },
  };
}

/** Where exports read attachments from and keep finished zips (blobStorageFor, both). */
export interface ExportStorage {
  readonly attachments: BlobStorage;
  readonly exportZips: BlobStorage;
}

/**
 * Export jobs and the importer, built once by the composition root (createSyncServices):
 * they need attachment and zip storage and the sync engine, whose store an export reads and
 * an import writes the new workspace's documents to.
 */
export function createExports(
  ctx: ExportDeps,
  { attachments: blobs, exportZips }: ExportStorage,
  engine: ExportEngine,
): InstalledExports {
  const log = ctx.log.child({ module: 'exports' });
  const { workspaceDeletions } = ctx.control;
  const service = new ExportService({
    ...ctx,
    files: new ExportFiles(path.join(ctx.config.DATA_DIR, 'exports')),
    docs: engine.docs,
    heavy: ctx.offThread,
    blobs,
    zips: exportZips,
    log,
    ttlMs: ctx.config.EXPORT_TTL_HOURS * 60 * 60 * 1000,
    closing: async (workspaceId) => (await workspaceDeletions.pending(workspaceId)) !== null,
  });
  const importer = new WorkspaceImporter({ ...ctx, blobs, docs: engineDocsWriter(engine), log });
  return { service, importer };
}

/**
 * Workspace export and import (issue 16): the routes, jobs interrupted by the last stop
 * resumed, the hourly expiry sweep (and orphan zip sweep), and the shutdown step that stops a running export
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
      .runOnce(EXPORT_EXPIRY_JOB, async () => {
        await service.expireDue();
        await service.sweepOrphanZips();
      })
      .catch((err: unknown) => log.error({ err }, 'export expiry sweep failed'));
  void sweep();
  const timer = setInterval(() => void sweep(), EXPIRY_SWEEP_MS);
  timer.unref();
  ctx.shutdown.add(ShutdownPhase.connections, 'exports', async () => {
    clearInterval(timer);
    await service.stop();
  });
}
