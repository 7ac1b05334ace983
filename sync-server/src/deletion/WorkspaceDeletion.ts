import fs from 'node:fs';
import path from 'node:path';
import {
  DocErrorCode,
  ErrorCode,
  WORKSPACE_DELETION_CANCEL_DAYS,
  WORKSPACE_PURGE_WARNING_DAYS,
  type WorkspaceDeletionReason,
  type WorkspaceDeletionStatus,
} from '@desk/protocol';
import type { AccessEvents } from '../access/AccessEvents.ts';
import type { AuditStore } from '../audit/AuditStore.ts';
import { DAY_MS } from '../billing/SubscriptionState.ts';
import type { BlobStorage } from '../blobs/BlobStorage.ts';
import type { Config } from '../config/config.ts';
import type { AsyncTransactions } from '../db/Transactions.ts';
import { AppError } from '../http/AppError.ts';
import type { Logger } from '../log/logger.ts';
import { sendWithoutFailing } from '../mail/createMailer.ts';
import type { Mailer } from '../mail/Mailer.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';
import type { LeaseFence } from '../store/DocStore.ts';
import type { EngineDocs } from '../sync/SyncEngine.ts';
import type { Role } from '../workspaces/roles.ts';
import type { MemberRequest } from '../workspaces/memberRequest.ts';
import type {
  PendingDeletion,
  WorkspaceDeletionStore,
} from '../workspaces/WorkspaceDeletionStore.ts';
import type { WorkspaceStore } from '../workspaces/WorkspaceStore.ts';
import { deletionCancelledEmail, deletionRequestedEmail, purgedEmail } from './deletionEmails.ts';
import type { AsyncWorkspacePurgeStore } from './WorkspacePurgeStore.ts';

/**
 * Deletes documents so that no loaded room writes them back: the sync engine's
 * `deleteDocsDrained` (end the subscriptions with `reason`, drain the write pipeline, drop
 * the rooms, delete from the store), on the embedded store or a cluster's. On a cluster the
 * other processes' sockets on the workspace are closed by the access event the deletion
 * emits first (`workspaceStateChanged`, relayed by the access bus: their re-authorization is
 * refused, ClosedWorkspaceSyncAuth).
 */
export interface DocumentRemover {
  /** From now on the store refuses appends to the workspace (SyncEngine.closeWorkspace). */
  closeWorkspace(workspaceId: string): Promise<void>;
  deleteDocsDrained(
    docIds: readonly string[],
    reason: { readonly code: DocErrorCode; readonly message: string },
  ): Promise<unknown>;
}

/** The export jobs (ExportService): stopped when a deletion is asked, deleted by the purge. */
export interface WorkspaceExports {
  /** Cancels queued and running exports of the workspace; resolves once none runs. */
  cancelWorkspace(workspaceId: string): Promise<unknown>;
  /** Rows and files of every export of the workspace (an in-flight one stopped first). */
  deleteWorkspaceExports(workspaceId: string): unknown;
}

type WorkspaceRow = MemberRequest['workspace'];
type AuditActor = Parameters<AuditStore['record']>[0]['actor'];

/**
 * The stores asking for, cancelling and scheduling a deletion read and write, on their async
 * interfaces (issue 19: PostgreSQL may answer); part of `Services.control`.
 */
export interface WorkspaceDeletionStores {
  readonly transactions: AsyncTransactions;
  readonly audit: AsyncStore<AuditStore>;
  readonly workspaces: AsyncStore<WorkspaceStore>;
  readonly workspaceDeletions: AsyncStore<WorkspaceDeletionStore>;
  /** The purge's SQL: every row of the workspace (SqlWorkspacePurgeStore on PostgreSQL). */
  readonly workspacePurge: AsyncWorkspacePurgeStore;
}

export interface WorkspaceDeletionDeps {
  readonly config: Config;
  readonly log: Logger;
  readonly access: AccessEvents;
  readonly control: WorkspaceDeletionStores;
  readonly mailer: Mailer;
  /** Lists the workspace's documents (the engine's store, embedded or a cluster's). */
  readonly docs: Pick<EngineDocs, 'changedSince'>;
  readonly documents: DocumentRemover;
  /** Attachment files; null leaves them (a tool without the storage). */
  readonly blobs: () => BlobStorage | null;
  /** The workspace's exports: cancelled when asked, rows and files deleted before the rest. */
  readonly exports?: () => WorkspaceExports;
  readonly now: () => number;
}

/** What the purge of one workspace removed (the sweeper's log, tests). */
export interface PurgeOutcome {
  workspaceId: string;
  tables: Record<string, number>;
  blobFiles: number;
}

/**
 * Workspace deletion (issue 16, terms §4). The owner asks with their password: the workspace
 * closes at once — every route answers 410 `workspace_deleted`, live subscriptions end with
 * the doc error of that name (members' devices forget their replicas) — and for
 * WORKSPACE_DELETION_CANCEL_DAYS the owner can cancel. Then, or when a terminated
 * subscription's grace ends, `purge` deletes every document, update, snapshot, attachment,
 * export, invitation and seat record of it, and compacts the database file so that backups
 * made afterwards do not hold the bytes. Each step is in the audit log; after the purge only
 * the deletion's own entries (ids, times, reason) and a `purged_workspaces` row remain.
 */
export class WorkspaceDeletion {
  constructor(private readonly deps: WorkspaceDeletionDeps) {}

  async status(workspace: WorkspaceRow, role: Role): Promise<WorkspaceDeletionStatus> {
    const pending = await this.deps.control.workspaceDeletions.pending(workspace.id);
    return {
      workspace: { id: workspace.id, slug: workspace.slug, name: workspace.name },
      pending: pending !== null,
      reason: pending?.reason ?? null,
      requestedAt: pending?.requestedAt ?? null,
      purgeAfter: pending?.purgeAfter ?? null,
      canCancel:
        pending !== null &&
        pending.reason === 'owner_request' &&
        role === 'owner' &&
        this.deps.now() < pending.purgeAfter,
    };
  }

  /** The owner asks (their password already checked by the route). */
  async request(workspace: WorkspaceRow, ownerUserId: string): Promise<WorkspaceDeletionStatus> {
    const { deps } = this;
    const { transactions, workspaceDeletions, audit } = deps.control;
    const now = deps.now();
    const deletion: PendingDeletion = {
      workspaceId: workspace.id,
      reason: 'owner_request',
      requestedBy: ownerUserId,
      requestedAt: now,
      purgeAfter: now + WORKSPACE_DELETION_CANCEL_DAYS * DAY_MS,
    };
    await transactions.write(async () => {
      if (await workspaceDeletions.pending(workspace.id)) {
        throw new AppError(
          ErrorCode.workspaceDeleted,
          410,
          'This workspace is already being deleted.',
        );
      }
      await workspaceDeletions.schedule(deletion);
      await audit.record({
        actor: { kind: 'user', userId: ownerUserId },
        action: 'workspace.deletion_requested',
        target: { kind: 'workspace', id: workspace.id },
        workspaceId: workspace.id,
        customerId: workspace.customerId,
        details: { purgeAfter: deletion.purgeAfter },
      });
    });
    // After the commit: live subscriptions re-authorize, are refused, and end.
    deps.access.emit('workspaceStateChanged', { workspaceId: workspace.id });
    // An export of it stops too: its zip would hold what the owner asked to delete.
    this.#cancelExports(workspace.id);
    deps.log.info(
      { workspaceId: workspace.id, purgeAfter: deletion.purgeAfter },
      'workspace deletion requested',
    );
    const owner = await workspaceDeletions.owner(workspace.id);
    if (owner) {
      void sendWithoutFailing(
        deps,
        deletionRequestedEmail(deps.config, owner, workspace, deletion.purgeAfter),
      );
    }
    return this.status(workspace, 'owner');
  }

  /** The owner cancels within the window: the workspace opens again as it was. */
  async cancel(workspace: WorkspaceRow, ownerUserId: string): Promise<WorkspaceDeletionStatus> {
    const { deps } = this;
    const { transactions, workspaceDeletions, audit } = deps.control;
    await transactions.write(async () => {
      const pending = await workspaceDeletions.pending(workspace.id);
      if (!pending) {
        throw new AppError(
          ErrorCode.invalidStateTransition,
          409,
          'This workspace is not being deleted.',
        );
      }
      if (pending.reason !== 'owner_request' || deps.now() >= pending.purgeAfter) {
        throw new AppError(
          ErrorCode.workspaceDeleted,
          410,
          'This deletion can no longer be cancelled.',
        );
      }
      await workspaceDeletions.cancel(workspace.id);
      await audit.record({
        actor: { kind: 'user', userId: ownerUserId },
        action: 'workspace.deletion_cancelled',
        target: { kind: 'workspace', id: workspace.id },
        workspaceId: workspace.id,
        customerId: workspace.customerId,
        details: { requestedAt: pending.requestedAt },
      });
    });
    deps.access.emit('workspaceStateChanged', { workspaceId: workspace.id });
    deps.log.info({ workspaceId: workspace.id }, 'workspace deletion cancelled');
    const owner = await workspaceDeletions.owner(workspace.id);
    if (owner) void sendWithoutFailing(deps, deletionCancelledEmail(deps.config, owner, workspace));
    return this.status(workspace, 'owner');
  }

  /**
   * The owner is being warned `daysBefore` the purge: recorded with its audit entry, and with
   * the earlier warnings this one makes pointless (the server was down then), never sent late.
   */
  async recordWarning(
    scheduled: { workspaceId: string; reason: WorkspaceDeletionReason; purgeAfter: number },
    daysBefore: number,
  ): Promise<void> {
    const { transactions, workspaceDeletions, audit } = this.deps.control;
    const { workspaceId, purgeAfter, reason } = scheduled;
    await transactions.write(async () => {
      for (const days of WORKSPACE_PURGE_WARNING_DAYS) {
        if (days >= daysBefore)
          await workspaceDeletions.recordWarning(workspaceId, purgeAfter, days);
      }
      await audit.record({
        actor: { kind: 'system', userId: null },
        action: 'workspace.deletion_warning_sent',
        target: { kind: 'workspace', id: workspaceId },
        workspaceId,
        details: { reason, purgeAfter, daysBefore },
      });
    });
  }

  /**
   * Deletes the workspace for good. Documents first (through the sync engine, so no room
   * writes them back), then every other row in one transaction, then attachment files no
   * other workspace uses; deleted bytes are overwritten in the database file, and the
   * write-ahead log is emptied after.
   */
  async purge(
    workspaceId: string,
    reason: WorkspaceDeletionReason,
    requestedAt: number | null,
    actor: AuditActor = { kind: 'system', userId: null },
    fence: LeaseFence | null = null,
  ): Promise<PurgeOutcome> {
    const { deps } = this;
    const { workspaces, workspaceDeletions, workspacePurge } = deps.control;
    const workspace = await workspaces.byId(workspaceId);
    const customerId = await workspacePurge.customerOf(workspaceId);
    if (!workspace || customerId === null) {
      return { workspaceId, tables: {}, blobFiles: 0 };
    }
    const owner = await workspaceDeletions.owner(workspaceId);
    // Closed first (a terminated workspace is still readable until now): new subscriptions
    // are refused while the documents go.
    if (!(await workspaceDeletions.pending(workspaceId))) {
      const now = deps.now();
      await workspaceDeletions.schedule({
        workspaceId,
        reason,
        requestedBy: null,
        requestedAt: requestedAt ?? now,
        purgeAfter: now,
      });
      deps.access.emit('workspaceStateChanged', { workspaceId });
      this.#cancelExports(workspaceId);
    }
    await workspacePurge.secureDelete(true);
    try {
      return await this.#purge(workspace, customerId, reason, requestedAt, actor, owner, fence);
    } finally {
      await workspacePurge.secureDelete(false);
      // The log still holds images of the pages as they were before the purge.
      await workspacePurge.checkpoint();
    }
  }

  async #purge(
    workspace: WorkspaceRow,
    customerId: string,
    reason: WorkspaceDeletionReason,
    requestedAt: number | null,
    actor: AuditActor,
    owner: { email: string; displayName: string } | null,
    fence: LeaseFence | null,
  ): Promise<PurgeOutcome> {
    const { deps } = this;
    const { workspacePurge, transactions, audit } = deps.control;
    const workspaceId = workspace.id;
    await deps.exports?.().deleteWorkspaceExports(workspaceId);
    // The store refuses appends to it before its documents are listed: a write another
    // process stores before it hears `workspaceStateChanged` either committed before the
    // closure (and is listed here) or is refused, its writer told — none recreates a
    // document after the purge.
    await deps.documents.closeWorkspace(workspaceId);
    const docIds = (await deps.docs.changedSince(workspaceId, 0)).map((row) => row.docId);
    await deps.documents.deleteDocsDrained(docIds, {
      code: DocErrorCode.workspaceDeleted,
      message: 'This workspace was deleted.',
    });
    // The sweep's lease fence (a cluster) on the two transactions that write what a second
    // run must not: the rows, and the purge's record, audit entry and mail. A sweeper paused
    // past its lease's TTL while the next holder purged is refused (StaleFenceError) there;
    // what it did before — closing the workspace, deleting its documents and exports —
    // the new holder does too, so doing it again undoes nothing.
    const { tables, orphanBlobs } = await workspacePurge.purgeRows(workspaceId, fence);
    tables.docs = docIds.length;
    const blobFiles = await this.#deleteBlobFiles(orphanBlobs);
    // The search index drops the purged rows' words once its segments are merged: all of
    // them now, a slice per event-loop turn (a merge of a large index is seconds of work).
    // Bounded: on a busy server new rows could give every slice a little work forever.
    let slices = await workspacePurge.searchMergeBound();
    while (await workspacePurge.mergeSearchIndex()) {
      if (--slices === 0) {
        deps.log.warn({ workspaceId }, 'purge: the search index merge was cut short');
        break;
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    await transactions.write(async () => {
      tables.audit_log = await workspacePurge.purgeAudit(workspaceId, fence);
      await audit.record({
        actor,
        action: 'workspace.deletion_purged',
        target: { kind: 'workspace', id: workspaceId },
        workspaceId,
        customerId,
        details: { reason, requestedAt, documents: docIds.length, attachments: blobFiles },
      });
      await workspacePurge.recordPurge({
        workspaceId,
        customerId,
        reason,
        requestedAt,
        purgedAt: deps.now(),
      });
    });
    deps.log.info({ workspaceId, reason, documents: docIds.length, blobFiles }, 'workspace purged');
    if (owner) void sendWithoutFailing(deps, purgedEmail(owner, workspace.name));
    return { workspaceId, tables, blobFiles };
  }

  #cancelExports(workspaceId: string): void {
    const exports = this.deps.exports?.();
    if (!exports) return;
    exports.cancelWorkspace(workspaceId).catch((err: unknown) => {
      this.deps.log.error(
        { err, workspaceId },
        'could not cancel the exports of a deleted workspace',
      );
    });
  }

  /** Tables still holding rows of the workspace (WorkspacePurgeStore.tablesHolding). */
  tablesHolding(workspaceId: string): Promise<string[]> {
    return this.deps.control.workspacePurge.tablesHolding(workspaceId);
  }

  async #deleteBlobFiles(sha256s: readonly string[]): Promise<number> {
    let deleted = 0;
    const thumbnails = path.join(this.deps.config.DATA_DIR, 'thumbnails');
    for (const sha256 of sha256s) {
      try {
        await this.deps.blobs()?.delete(sha256);
        await fs.promises.rm(path.join(thumbnails, sha256.slice(0, 2), `${sha256}.webp`), {
          force: true,
        });
        deleted += 1;
      } catch (err) {
        // The row is gone; a file left behind is found by the next purge's log, not lost data.
        this.deps.log.error({ err, sha256 }, 'could not delete a purged attachment file');
      }
    }
    return deleted;
  }
}
