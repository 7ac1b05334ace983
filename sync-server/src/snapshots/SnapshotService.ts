import type {
  RestoreScopeName,
  SnapshotContentsResponse,
  SnapshotNoticeResponse,
  SnapshotSummary,
  SnapshotTicketResponse,
  UndoRestoreResponse,
} from '@desk/protocol';
import { NoticeDoc, TicketDoc } from '@desk/model';
import type { AuditStore } from '../audit/AuditStore.ts';
import { AppError } from '../http/AppError.ts';
import type { Logger } from '../log/logger.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';
import type { WorkspaceAccessStore } from '../workspaces/WorkspaceAccessStore.ts';
import type { EntryRoot } from './snapshotOps.ts';
import type { HeavyYjs } from '../offthread/HeavyYjs.ts';
import { Restorer, type RestoreResult, type RestoreTarget } from './Restorer.ts';
import type { AsyncRestoreRecordStore } from './RestoreRecordStore.ts';
import { RestoreUndoer } from './RestoreUndoer.ts';
import { expiredSnapshots, HOURLY_SNAPSHOTS_KEPT, type RetentionPolicy } from './retention.ts';
import { SnapshotDocs, workspaceDocIds } from './SnapshotDocs.ts';
import { diffSnapshot, type WorkspaceDiff } from './snapshotDiff.ts';
import { Snapshotter, type CaptureOptions } from './Snapshotter.ts';
import type { AsyncSnapshotStore, SnapshotRecord } from './SnapshotStore.ts';
import type { SnapshotSync } from './SnapshotSync.ts';
import { attachmentsOf, commentsOf, richNodes } from './snapshotViews.ts';
import type { OpenAsyncWorkspaceReader } from './WorkspaceReader.ts';
import { WorkspaceQueue } from './WorkspaceQueue.ts';
import type { JobLease } from '../lifecycle/JobLease.ts';
import type { DisabledSet } from '../moderation/ModerationStore.ts';

/** Days of retention when a workspace has no subscription row (should not happen). */
const FALLBACK_RETENTION_DAYS = 7;

/**
 * The stores snapshots read and write, on their async interfaces (issue 19: PostgreSQL may
 * answer, `SqlSnapshotStore`, `SqlRestoreRecordStore`); part of `Services.control`.
 */
export interface SnapshotStores {
  /** The snapshots' rows and blobs. */
  readonly snapshots: AsyncSnapshotStore;
  /** What each restore changed, for its undo. */
  readonly restoreRecords: AsyncRestoreRecordStore;
  /** The plan's snapshot retention; whether the caller may write (the routes). */
  readonly workspaceAccess: AsyncStore<WorkspaceAccessStore>;
  /** Restores and their undos are audited (on the same clock as `now`). */
  readonly audit: AsyncStore<AuditStore>;
}

export interface SnapshotServiceDeps {
  readonly control: SnapshotStores;
  log: Logger;
  now: () => number;
  sync: SnapshotSync;
  /** The SQLite file's frozen view (`asyncReaderOf(sqliteWorkspaceReader)`), or a cluster's. */
  openReader: OpenAsyncWorkspaceReader;
  /** The process's off-thread Yjs worker (ServerContext.offThread). */
  heavy: HeavyYjs;
  /**
   * The process's `JobLease` (ServerContext.jobLease): a cluster's runs one workspace's
   * captures, restores and undos one at a time across its processes. @default in-process
   */
  lease?: JobLease;
  /**
   * Terms §4: what is disabled in a workspace now (`control.moderation`); a restore and its
   * undo leave it as it is, and a restore does not write a disabled document (SPEC MOD-4).
   */
  disabledSet?: (workspaceId: string) => Promise<DisabledSet>;
}

/**
 * Everything snapshots do, for the routes, the schedule and tests: capture, retention,
 * browse, diff and restore. Capture and restore of one workspace run one at a time.
 */
export class SnapshotService {
  readonly store: AsyncSnapshotStore;
  readonly queue: WorkspaceQueue;
  /** Large-document Yjs work off the main thread (shared; closed by the server). */
  readonly heavy: HeavyYjs;
  readonly #snapshotter: Snapshotter;
  readonly #restorer: Restorer;
  readonly #undoer: RestoreUndoer;
  readonly #docs: SnapshotDocs;
  readonly #deps: SnapshotServiceDeps;

  constructor(deps: SnapshotServiceDeps) {
    this.#deps = deps;
    const log = deps.log.child({ module: 'snapshots' });
    this.queue = new WorkspaceQueue(deps.lease ? { lease: deps.lease, log } : { log });
    this.store = deps.control.snapshots;
    this.heavy = deps.heavy;
    this.#docs = new SnapshotDocs(this.store, deps.sync, this.heavy);
    this.#snapshotter = new Snapshotter(this.heavy, this.store, deps.openReader, log, deps.now);
    const records = deps.control.restoreRecords;
    this.#restorer = new Restorer(
      this.heavy,
      deps.control.audit,
      log,
      deps.now,
      this.store,
      this.#snapshotter,
      this.#docs,
      deps.sync,
      records,
      deps.disabledSet ?? null,
    );
    this.#undoer = new RestoreUndoer(
      this.heavy,
      deps.control.audit,
      log,
      deps.now,
      records,
      this.#docs,
      deps.sync,
      deps.disabledSet ?? null,
    );
  }

  take(workspaceId: string, options: CaptureOptions): Promise<SnapshotRecord> {
    return this.queue.run(workspaceId, (fence) =>
      this.#snapshotter.capture(workspaceId, { ...options, fence }),
    );
  }

  restore(
    workspaceId: string,
    snapshotId: string,
    target: RestoreTarget,
    actorUserId: string,
  ): Promise<RestoreResult> {
    return this.queue.run(workspaceId, async (fence) =>
      this.#restorer.restore(await this.get(workspaceId, snapshotId), target, actorUserId, fence),
    );
  }

  /** Undoes the restore `preRestoreSnapshotId` was taken before: only what it changed. */
  undo(
    workspaceId: string,
    preRestoreSnapshotId: string,
    actorUserId: string,
  ): Promise<UndoRestoreResponse> {
    return this.queue.run(workspaceId, async (fence) =>
      this.#undoer.undo(await this.get(workspaceId, preRestoreSnapshotId), actorUserId, fence),
    );
  }

  /**
   * Removes the captures a crash left `capturing` (start-up). A workspace whose lease
   * another live process holds is left alone: its capture may be in progress, and a
   * capture begins and ends under the lease. Returns how many were removed.
   */
  async removeIncomplete(): Promise<number> {
    let removed = 0;
    for (const workspaceId of await this.store.incompleteWorkspaces()) {
      removed +=
        (await this.queue.runIfFree(workspaceId, (fence) =>
          this.store.deleteIncomplete(workspaceId, fence),
        )) ?? 0;
    }
    return removed;
  }

  list(workspaceId: string): Promise<SnapshotRecord[]> {
    return this.store.list(workspaceId);
  }

  async get(workspaceId: string, snapshotId: string): Promise<SnapshotRecord> {
    const snapshot = await this.store.get(workspaceId, snapshotId);
    if (!snapshot) throw AppError.notFound('This snapshot does not exist (any more).');
    return snapshot;
  }

  async retentionPolicy(workspaceId: string): Promise<RetentionPolicy> {
    const days =
      (await this.#deps.control.workspaceAccess.limits(workspaceId))?.snapshotRetentionDays ??
      FALLBACK_RETENTION_DAYS;
    return { hourly: HOURLY_SNAPSHOTS_KEPT, days };
  }

  /** Deletes what the plan's retention no longer keeps, and blobs nothing uses any more. */
  applyRetention(workspaceId: string): Promise<{ snapshots: number; blobs: number }> {
    return this.queue.run(workspaceId, async (fence) => {
      const expired = expiredSnapshots(
        await this.store.list(workspaceId),
        this.#deps.now(),
        await this.retentionPolicy(workspaceId),
      );
      const blobs = await this.store.delete(expired, fence);
      return { snapshots: expired.length, blobs };
    });
  }

  async diff(workspaceId: string, snapshotId: string): Promise<WorkspaceDiff> {
    return diffSnapshot(
      await this.get(workspaceId, snapshotId),
      this.store,
      this.#docs,
      this.#deps.sync,
      this.heavy,
    );
  }

  async contents(
    workspaceId: string,
    snapshotId: string,
  ): Promise<Omit<SnapshotContentsResponse, 'snapshot'>> {
    const snapshot = await this.get(workspaceId, snapshotId);
    const indexId = await this.#docs.indexIdAt(snapshot.id, workspaceId);
    const state = await this.#docs.stateAt(snapshot.id, indexId);
    return this.heavy.run('indexContents', [state], state.byteLength);
  }

  #entry(snapshot: SnapshotRecord, root: EntryRoot, id: string) {
    return entryOf(this.heavy, this.#docs, snapshot, root, id);
  }

  /** `fileDisabled`: why an attached file's access is disabled (terms §4), by its SHA-256. */
  async ticket(
    workspaceId: string,
    snapshotId: string,
    ticketId: string,
    fileDisabled: (sha256: string) => string | null = () => null,
  ): Promise<Omit<SnapshotTicketResponse, 'snapshot'>> {
    const snapshot = await this.get(workspaceId, snapshotId);
    const fields = await this.#entry(snapshot, 'tickets', ticketId);
    if (fields === null) throw AppError.notFound('This ticket is not in the snapshot.');
    const doc = await this.#docs.docAt(snapshot.id, workspaceDocIds.ticket(workspaceId, ticketId));
    try {
      const ticket = new TicketDoc(doc);
      return {
        fields,
        description: richNodes(ticket.description),
        comments: commentsOf(ticket),
        attachments: attachmentsOf(ticket, fileDisabled),
      };
    } finally {
      doc.destroy();
    }
  }

  async notice(
    workspaceId: string,
    snapshotId: string,
    noticeId: string,
  ): Promise<Omit<SnapshotNoticeResponse, 'snapshot'>> {
    const snapshot = await this.get(workspaceId, snapshotId);
    const fields = await this.#entry(snapshot, 'notices', noticeId);
    if (fields === null) throw AppError.notFound('This notice is not in the snapshot.');
    const doc = await this.#docs.docAt(snapshot.id, workspaceDocIds.notice(workspaceId, noticeId));
    try {
      return { fields, body: richNodes(new NoticeDoc(doc).body) };
    } finally {
      doc.destroy();
    }
  }
}

async function entryOf(
  heavy: HeavyYjs,
  docs: SnapshotDocs,
  snapshot: SnapshotRecord,
  root: EntryRoot,
  id: string,
): Promise<Record<string, unknown> | null> {
  const indexId = await docs.indexIdAt(snapshot.id, snapshot.workspaceId);
  const state = await docs.stateAt(snapshot.id, indexId);
  return heavy.run('entry', [state, root, id], state.byteLength);
}

export function toSummary(snapshot: SnapshotRecord): SnapshotSummary {
  return {
    id: snapshot.id,
    createdAt: snapshot.createdAt,
    trigger: snapshot.trigger,
    author:
      snapshot.authorUserId !== null
        ? { id: snapshot.authorUserId, name: snapshot.authorName ?? 'Someone' }
        : null,
    label: snapshot.label,
    docCount: snapshot.docCount,
    totalBytes: snapshot.totalBytes,
    addedBytes: snapshot.addedBytes,
    restoreOf:
      snapshot.restoreOf !== null && snapshot.restoreScope !== null
        ? {
            snapshotId: snapshot.restoreOf,
            scope: snapshot.restoreScope as RestoreScopeName,
            undoable: snapshot.restoreRecorded && snapshot.restoreUndoneAt === null,
            undoneAt: snapshot.restoreUndoneAt,
          }
        : null,
  };
}
