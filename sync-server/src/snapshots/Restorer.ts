import type { LeaseFence } from '../store/DocStore.ts';
import { GenerationMeta, indexGenerationOf, indexHeadDocId } from '@desk/model';
import { docItemKey, type RestoreScopeName } from '@desk/protocol';
import type { AuditStore } from '../audit/AuditStore.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';
import { AppError } from '../http/AppError.ts';
import type { Logger } from '../log/logger.ts';
import type { RestoreScope } from './forwardRestore.ts';
import type { HeavyYjs } from '../offthread/HeavyYjs.ts';
import type { AsyncRestoreRecordStore } from './RestoreRecordStore.ts';
import { EMPTY_STATE, workspaceDocIds, type SnapshotDocs } from './SnapshotDocs.ts';
import type { Snapshotter } from './Snapshotter.ts';
import { SnapshotTrigger, type AsyncSnapshotStore, type SnapshotRecord } from './SnapshotStore.ts';
import type { SnapshotSync } from './SnapshotSync.ts';
import { Slicer } from './yieldToLoop.ts';
import type { DisabledSet } from '../moderation/ModerationStore.ts';
import { disabledEntriesOf } from './disabledItems.ts';

export type RestoreTarget =
  { kind: 'workspace' } | { kind: 'ticket'; id: string } | { kind: 'notice'; id: string };

export interface RestoreResult {
  preRestoreSnapshotId: string;
  changedDocs: number;
}

/** Where a ticket or notice lives: its row in the index doc, and its own doc. */
const entryRoots = { ticket: 'tickets', notice: 'notices' } as const;

/**
 * One document a restore writes: `docId`, to its content in the snapshot — of `from` when
 * that is another document (the snapshot's index generation, written into the live one).
 */
interface RestoreStep {
  docId: string;
  from?: string;
  scope: RestoreScope;
}

/**
 * The generation bookkeeping of the live index's `meta` stays as it is now: restoring it from
 * an older generation would take away its own number (or name a `next` it does not have).
 */
const GENERATION_KEYS = { root: 'meta', keys: Object.values(GenerationMeta) };

export function scopeName(target: RestoreTarget): RestoreScopeName {
  return target.kind === 'workspace' ? 'workspace' : `${target.kind}:${target.id}`;
}

/**
 * Restores a workspace, or one ticket or notice, to a snapshot — as a forward change
 * (DESIGN §4.3): for each document, the Yjs update that turns today's content into the
 * snapshot's is computed and applied through the sync engine, so every connected client
 * converges without reloading and offline clients' later edits still land on top. An
 * automatic pre-restore snapshot is taken first, and what the restore changes is recorded
 * item by item (RestoreRecordStore), so RestoreUndoer can undo exactly that and no more; the
 * restore is written to the audit log.
 *
 * This is the opposite of a disaster restore of the database (src/backup), which brings
 * back lost data rather than rolling content back.
 */
export class Restorer {
  constructor(
    private readonly heavy: HeavyYjs,
    private readonly audit: Pick<AsyncStore<AuditStore>, 'record'>,
    private readonly log: Logger,
    private readonly now: () => number,
    private readonly store: AsyncSnapshotStore,
    private readonly snapshotter: Snapshotter,
    private readonly docs: SnapshotDocs,
    private readonly sync: SnapshotSync,
    private readonly records: AsyncRestoreRecordStore,
    /**
     * Terms §4: what is disabled in a workspace now (SPEC MOD-4). A disabled document is not
     * written; the index rows of disabled tickets and notices and disabled comments and
     * messages stay as they are (`disabledEntriesOf`). Asked before each document, so a
     * decision taken while the restore runs — on any process of a cluster — holds for the
     * documents not written yet (one small query per document, beside reading and writing it).
     */
    private readonly disabledSet: ((workspaceId: string) => Promise<DisabledSet>) | null = null,
  ) {}

  /** Callers serialize per workspace (WorkspaceQueue). */
  async restore(
    snapshot: SnapshotRecord,
    target: RestoreTarget,
    actorUserId: string,
    fence: LeaseFence | null = null,
  ): Promise<RestoreResult> {
    const workspaceId = snapshot.workspaceId;
    const plan = await this.plan(snapshot, target);
    const before = await this.snapshotter.capture(workspaceId, {
      trigger: SnapshotTrigger.preRestore,
      authorUserId: actorUserId,
      restoreOf: snapshot.id,
      restoreScope: scopeName(target),
      fence,
    });
    const docsBefore = new Map((await this.store.docs(before.id)).map((d) => [d.docId, d.hash]));
    await this.records.begin(
      {
        preRestoreSnapshotId: before.id,
        workspaceId,
        snapshotId: snapshot.id,
        scope: scopeName(target),
        restoredAt: this.now(),
        restoredBy: actorUserId,
      },
      fence,
    );

    const slicer = new Slicer();
    let changedDocs = 0;
    for (const step of plan) {
      const disabled = (await this.disabledSet?.(workspaceId)) ?? null;
      if (disabled !== null && disabled.reasonOf(docItemKey(step.docId)) !== null) continue;
      const snapshotHash =
        (await this.store.doc(snapshot.id, step.from ?? step.docId))?.hash ?? null;
      if (step.scope.kind === 'doc' && snapshotHash === (docsBefore.get(step.docId) ?? null)) {
        continue; // same state: nothing to do, nothing to read
      }
      let goal = snapshotHash ? await this.docs.stateOfHash(snapshotHash) : EMPTY_STATE;
      const current = await this.docs.stateNow(step.docId);
      const keep = [
        ...(disabled ? disabledEntriesOf(disabled, step.docId) : []),
        ...(step.from !== undefined ? [GENERATION_KEYS] : []),
      ];
      if (keep.length > 0) {
        goal = await this.heavy.run(
          'keepAsNow',
          [goal, current, keep],
          goal.byteLength + current.byteLength,
        );
      }
      const { update, items } = await this.heavy.run(
        'recordedRestore',
        [current, goal, step.scope],
        current.byteLength + goal.byteLength,
      );
      if (update) {
        // Recorded first: after a crash in between, the undo finds the content not as
        // recorded and leaves it alone, rather than not knowing the restore changed it.
        // Fenced: a restore paused past its lease's TTL is refused here, before it writes
        // this document over what the workspace's new holder did meanwhile.
        await this.records.addItems(before.id, step.docId, items, fence);
        await this.sync.applyServerUpdate(step.docId, update);
        changedDocs += 1;
      }
      await slicer.maybeYield();
    }

    await this.audit.record({
      actor: { kind: 'user', userId: actorUserId },
      action: 'snapshot.restored',
      target: target.kind === 'workspace' ? { kind: 'workspace', id: workspaceId } : target,
      workspaceId,
      details: {
        snapshotId: snapshot.id,
        snapshotCreatedAt: snapshot.createdAt,
        scope: scopeName(target),
        preRestoreSnapshotId: before.id,
        changedDocs,
      },
    });
    this.log.info(
      { workspaceId, snapshotId: snapshot.id, scope: scopeName(target), changedDocs },
      'snapshot restored',
    );
    return { preRestoreSnapshotId: before.id, changedDocs };
  }

  /**
   * The documents to restore, in order: entries' own documents before the index, so a
   * ticket that reappears in the list already has its description and comments.
   */
  private async plan(snapshot: SnapshotRecord, target: RestoreTarget): Promise<RestoreStep[]> {
    const workspaceId = snapshot.workspaceId;
    // Index rows come from the generation the snapshot's head names and go into the one the
    // head names now (SPEC IDX-GEN): a replaced generation is read by no switched device,
    // and its late edits would reach the newest only through the server's replay.
    const from = await this.docs.indexIdAt(snapshot.id, workspaceId);
    const indexId = await this.docs.indexIdNow(workspaceId);
    const index = (scope: RestoreScope): RestoreStep =>
      from === indexId ? { docId: indexId, scope } : { docId: indexId, from, scope };
    if (target.kind === 'workspace') {
      const ids = new Set((await this.store.docs(snapshot.id)).map((d) => d.docId));
      // Documents created since the snapshot are emptied too; their index rows go anyway.
      for (const row of await this.sync.changedSince(workspaceId, 0)) ids.add(row.docId);
      // Every generation and the head are the server's: only the live index is restored.
      const docs = [...ids]
        .filter((docId) => !docId.startsWith(`${workspaceId}:user:`))
        .filter(
          (docId) => indexGenerationOf(docId) === null && docId !== indexHeadDocId(workspaceId),
        )
        .sort()
        .map((docId) => ({ docId, scope: { kind: 'doc' } as RestoreScope }));
      return [...docs, index({ kind: 'doc' })];
    }
    const root = entryRoots[target.kind];
    const indexState = await this.docs.stateAt(snapshot.id, from);
    const entry = await this.heavy.run(
      'entry',
      [indexState, root, target.id],
      indexState.byteLength,
    );
    if (entry === null) {
      throw AppError.notFound(
        target.kind === 'ticket'
          ? 'This ticket is not in the snapshot.'
          : 'This notice is not in the snapshot.',
      );
    }
    return [
      { docId: workspaceDocIds[target.kind](workspaceId, target.id), scope: { kind: 'doc' } },
      index({ kind: 'mapEntries', root, keys: [target.id] }),
    ];
  }
}
