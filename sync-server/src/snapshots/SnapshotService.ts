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
import type { WorkspaceAccessStore } from '../workspaces/WorkspaceAccessStore.ts';
import type { EntryRoot } from './snapshotOps.ts';
import type { HeavyYjs } from '../offthread/HeavyYjs.ts';
import { Restorer, type RestoreResult, type RestoreTarget } from './Restorer.ts';
import type { RestoreRecordStore } from './RestoreRecordStore.ts';
import { RestoreUndoer } from './RestoreUndoer.ts';
import { expiredSnapshots, HOURLY_SNAPSHOTS_KEPT, type RetentionPolicy } from './retention.ts';
import { SnapshotDocs, workspaceDocIds } from './SnapshotDocs.ts';
import { diffSnapshot, type WorkspaceDiff } from './snapshotDiff.ts';
import { Snapshotter, type CaptureOptions } from './Snapshotter.ts';
import type { SnapshotRecord, SnapshotStore } from './SnapshotStore.ts';
import type { SnapshotSync } from './SnapshotSync.ts';
import { attachmentsOf, commentsOf, richNodes } from './snapshotViews.ts';
import type { OpenWorkspaceReader } from './WorkspaceReader.ts';
import { WorkspaceQueue } from './WorkspaceQueue.ts';
import type { DisabledSet } from '../moderation/ModerationStore.ts';

/** Days of retention when a workspace has no subscription row (should not happen). */
const FALLBACK_RETENTION_DAYS = 7;

export interface SnapshotServiceDeps {
  /** The snapshots' rows and blobs (built once in createSyncServices). */
  store: SnapshotStore;
  /** What each restore changed, for its undo. */
  restoreRecords: RestoreRecordStore;
  log: Logger;
  now: () => number;
  sync: SnapshotSync;
  openReader: OpenWorkspaceReader;
  /** The process's off-thread Yjs worker (ServerContext.offThread). */
  heavy: HeavyYjs;
  /** The plan's snapshot retention. */
  workspaceAccess: Pick<WorkspaceAccessStore, 'limits'>;
  /** Restores and their undos are audited (services.audit, on the same clock as `now`). */
  audit: Pick<AuditStore, 'record'>;
  /** Terms §4: documents a restore leaves as they are (access disabled; SPEC MOD-4). */
  writeRefused?: (docId: string) => boolean;
  /** Terms §4: what is disabled in a workspace now; a restore and its undo leave it as it is. */
  disabledSet?: (workspaceId: string) => DisabledSet;
}

/**
 * Everything snapshots do, for the routes, the schedule and tests: capture, retention,
 * browse, diff and restore. Capture and restore of one workspace run one at a time.
 */
export class SnapshotService {
  readonly store: SnapshotStore;
  readonly queue = new WorkspaceQueue();
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
    this.store = deps.store;
    this.heavy = deps.heavy;
    this.#docs = new SnapshotDocs(this.store, deps.sync, this.heavy);
    this.#snapshotter = new Snapshotter(this.heavy, this.store, deps.openReader, log, deps.now);
    const records = deps.restoreRecords;
    this.#restorer = new Restorer(
      this.heavy,
      deps.audit,
      log,
      deps.now,
      this.store,
      this.#snapshotter,
      this.#docs,
      deps.sync,
      records,
      deps.writeRefused,
      deps.disabledSet ?? null,
    );
    this.#undoer = new RestoreUndoer(
      this.heavy,
      deps.audit,
      log,
      deps.now,
      records,
      this.#docs,
      deps.sync,
      deps.disabledSet ?? null,
    );
  }

  take(workspaceId: string, options: CaptureOptions): Promise<SnapshotRecord> {
    return this.queue.run(workspaceId, () => this.#snapshotter.capture(workspaceId, options));
  }

  restore(
    workspaceId: string,
    snapshotId: string,
    target: RestoreTarget,
    actorUserId: string,
  ): Promise<RestoreResult> {
    return this.queue.run(workspaceId, () =>
      this.#restorer.restore(this.get(workspaceId, snapshotId), target, actorUserId),
    );
  }

  /** Undoes the restore `preRestoreSnapshotId` was taken before: only what it changed. */
  undo(
    workspaceId: string,
    preRestoreSnapshotId: string,
    actorUserId: string,
  ): Promise<UndoRestoreResponse> {
    return this.queue.run(workspaceId, () =>
      this.#undoer.undo(this.get(workspaceId, preRestoreSnapshotId), actorUserId),
    );
  }

  list(workspaceId: string): SnapshotRecord[] {
    return this.store.list(workspaceId);
  }

  get(workspaceId: string, snapshotId: string): SnapshotRecord {
    const snapshot = this.store.get(workspaceId, snapshotId);
    if (!snapshot) throw AppError.notFound('This snapshot does not exist (any more).');
    return snapshot;
  }

  retentionPolicy(workspaceId: string): RetentionPolicy {
    const days =
      this.#deps.workspaceAccess.limits(workspaceId)?.snapshotRetentionDays ??
      FALLBACK_RETENTION_DAYS;
    return { hourly: HOURLY_SNAPSHOTS_KEPT, days };
  }

  /** Deletes what the plan's retention no longer keeps, and blobs nothing uses any more. */
  applyRetention(workspaceId: string): Promise<{ snapshots: number; blobs: number }> {
    return this.queue.run(workspaceId, () => {
      const expired = expiredSnapshots(
        this.store.list(workspaceId),
        this.#deps.now(),
        this.retentionPolicy(workspaceId),
      );
      const blobs = this.store.delete(expired);
      return Promise.resolve({ snapshots: expired.length, blobs });
    });
  }

  diff(workspaceId: string, snapshotId: string): Promise<WorkspaceDiff> {
    return diffSnapshot(
      this.get(workspaceId, snapshotId),
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
    const snapshot = this.get(workspaceId, snapshotId);
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
    const snapshot = this.get(workspaceId, snapshotId);
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
    const snapshot = this.get(workspaceId, snapshotId);
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
