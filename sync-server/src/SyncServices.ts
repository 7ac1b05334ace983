import path from 'node:path';
import { AccountDeletion } from './auth/AccountDeletion.ts';
import type { BlobStorage } from './blobs/BlobStorage.ts';
import { Thumbnails } from './blobs/Thumbnails.ts';
import { createDeletion } from './deletion/installDeletion.ts';
import type { DeletionSweeper } from './deletion/DeletionSweeper.ts';
import type { WorkspaceDeletion } from './deletion/WorkspaceDeletion.ts';
import { createExports, type ExportStorage } from './exports/installExports.ts';
import type { ExportService } from './exports/ExportService.ts';
import type { WorkspaceImporter } from './exports/WorkspaceImporter.ts';
import { IndexRewriter } from './generations/IndexRewriter.ts';
import { SearchProjector } from './search/SearchProjector.ts';
import { SqliteTicketSearchIndex } from './search/SqliteTicketSearchIndex.ts';
import { SqlTicketSearchIndex } from './search/SqlTicketSearchIndex.ts';
import type { SqlDatabase } from './store/sql/SqlDatabase.ts';
import { asyncStore, type AsyncStore } from './store/sql/asyncStore.ts';
import type { TicketSearchIndex } from './search/TicketSearchIndex.ts';
import type { Services } from './Services.ts';
import { SnapshotSchedule } from './snapshots/SnapshotSchedule.ts';
import { SnapshotService } from './snapshots/SnapshotService.ts';
import { snapshotSyncOf } from './snapshots/SnapshotSync.ts';
import { engineWorkspaceReader } from './snapshots/EngineWorkspaceReader.ts';
import { sqliteWorkspaceReader } from './snapshots/SqliteWorkspaceReader.ts';
import { asyncReaderOf } from './snapshots/WorkspaceReader.ts';
import type { SyncEngine } from './sync/SyncEngine.ts';

/**
 * The services that need the sync engine, which is built after `createServices` (its auth
 * needs the stores), or attachment storage (opened asynchronously): built once by
 * `createSyncServices` as soon as both exist, and handed to the modules that need them like
 * every other service. Building starts nothing: the install functions start schedules and
 * register shutdown steps, createServer starts the deletion sweeper last.
 */
export interface SyncServices {
  /** Attachment files, on disk, in S3 or on a cluster's PostgreSQL (blobStorageFor). */
  readonly blobs: BlobStorage;
  /** Image previews of attachments, made one at a time under DATA_DIR/thumbnails. */
  readonly thumbnails: Thumbnails;
  /** Workspace export jobs (tests wait on `idle()`). */
  readonly exportService: ExportService;
  /** A new workspace from an export's zip; writes its documents through the engine. */
  readonly workspaceImporter: WorkspaceImporter;
  /** Asking for, cancelling and purging a workspace's deletion. */
  readonly workspaceDeletion: WorkspaceDeletion;
  /** Warns and purges on schedule (started by createServer once every module is installed). */
  readonly deletionSweeper: DeletionSweeper;
  /** A user deleting their own account; their private docs go through the engine. */
  readonly accountDeletion: AccountDeletion;
  /** Workspace snapshots: capture, retention, browse, diff, restore and undo. */
  readonly snapshots: SnapshotService;
  /** Takes due snapshots every SNAPSHOT_INTERVAL_MINUTES (started by installSnapshots). */
  readonly snapshotSchedule: SnapshotSchedule;
  /**
   * The server's ticket search projection and the first page's rows: this process's FTS5,
   * or on a cluster PostgreSQL's (one for every process).
   */
  readonly searchIndex: AsyncStore<TicketSearchIndex>;
  /**
   * Keeps it current, woken by the engine's stored turns (started by installSearch); on a
   * cluster in the one process that holds the `search` lease.
   */
  readonly searchProjector: SearchProjector;
}

/** What a cluster process shares with the others that these services use (ClusterParts). */
export interface SharedParts {
  /** The cluster's database (PostgreSQL): the search projection is kept there. */
  readonly sql: SqlDatabase;
}

export function createSyncServices(
  services: Services,
  engine: SyncEngine,
  { attachments: blobs, exportZips }: ExportStorage,
  /** A cluster process's shared parts; null for one process on SQLite. */
  cluster: SharedParts | null = null,
): SyncServices {
  const { db, config, log, now } = services;
  const snapshotSync = snapshotSyncOf(engine);
  const snapshots = new SnapshotService({
    control: services.control,
    log,
    now,
    sync: snapshotSync,
    // One process: a read transaction on the SQLite file (a frozen view). A cluster: the
    // shared store through the engine — its process's SQLite file holds no documents.
    openReader:
      engine.onSharedStore || !config.sqlitePath
        ? engineWorkspaceReader(engine.docs)
        : asyncReaderOf(sqliteWorkspaceReader(config.sqlitePath)),
    lease: services.jobLease,
    heavy: services.offThread,
    // Terms §4: a restore does not write a document whose access is disabled, and neither it
    // nor its undo writes disabled items (index rows, entries). Read from the control plane
    // (on a cluster the shared database, exact whichever process decided), not the process's
    // cache: a restore is rare and must not act on a decision still on its way here.
    disabledSet: (workspaceId) => services.control.moderation.disabledSet(workspaceId),
  });
  // SQLite's, wrapped: the projector and the routes await it, as they do SqlTicketSearchIndex.
  // A cluster's is one for every process, beside the shared store whose sequences it follows.
  const searchIndex = cluster
    ? new SqlTicketSearchIndex(cluster.sql)
    : asyncStore(new SqliteTicketSearchIndex(db));
  const rewriterLog = log.child({ module: 'index-generations' });
  const indexRewriter = new IndexRewriter({
    docs: engine,
    offThread: services.offThread,
    log: rewriterLog,
    minBytes: config.INDEX_REWRITE_MIN_BYTES,
    now,
    keepReplacedMs: config.OFFLINE_REPLICA_LIMIT_DAYS * 24 * 3_600_000,
  });
  const searchProjector = new SearchProjector({
    docs: engine.docs,
    index: searchIndex,
    offThread: services.offThread,
    log: log.child({ module: 'search' }),
    changes: engine,
    // One process on the embedded store: a room's doc holds every update stored for it. Not
    // on a cluster: a room there may lag what another process stored (its update in flight
    // on the bus), so the projector reads the shared store.
    loadedDoc: cluster
      ? null
      : (docId) => {
          const room = engine.rooms.get(docId);
          return room?.doc && !room.unloaded
            ? { doc: room.doc, storedBytes: room.storedBytes }
            : null;
        },
    // One projector per cluster: the holder of the `search` lease (SearchProjector.start).
    lease: cluster ? { jobLease: services.jobLease } : null,
    indexRead: (docId) => {
      indexRewriter.consider(docId).catch((err: unknown) => {
        // Left as it was: the next read of the index tries again.
        rewriterLog.error({ err, docId }, 'index generation step failed');
      });
    },
  });
  const exports = createExports(
    { ...services, searchProjector },
    { attachments: blobs, exportZips },
    engine,
  );
  const deletion = createDeletion(services, {
    sync: engine,
    blobs: () => blobs,
    exports: () => exports.service,
  });
  return {
    blobs,
    thumbnails: new Thumbnails(
      path.join(config.DATA_DIR, 'thumbnails'),
      (sha256) => blobs.open(sha256),
      log.child({ module: 'thumbnails' }),
    ),
    exportService: exports.service,
    workspaceImporter: exports.importer,
    workspaceDeletion: deletion.workspaceDeletion,
    deletionSweeper: deletion.sweeper,
    accountDeletion: new AccountDeletion({ ...services, docs: engine }),
    snapshots,
    snapshotSchedule: new SnapshotSchedule(
      log.child({ module: 'snapshots' }),
      now,
      snapshots,
      snapshotSync,
      config.SNAPSHOT_INTERVAL_MINUTES * 60_000,
      services.jobLease,
    ),
    searchIndex,
    searchProjector,
  };
}
