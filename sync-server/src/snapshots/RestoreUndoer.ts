import type { LeaseFence } from '../store/DocStore.ts';
import { indexGenerationOf } from '@desk/model';
import {
  contentDisabledWords,
  ErrorCode,
  type RestoreScopeName,
  type UndoLeftAloneReason,
  type UndoEntry,
  type UndoRestoreResponse,
} from '@desk/protocol';
import type { AuditStore } from '../audit/AuditStore.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';
import { AppError } from '../http/AppError.ts';
import type { Logger } from '../log/logger.ts';
import type { DisabledSet } from '../moderation/ModerationStore.ts';
import { Redaction } from '../moderation/redaction.ts';
import { disabledReasonOfItem } from './disabledItems.ts';
import type { HeavyYjs } from '../offthread/HeavyYjs.ts';
import type { AsyncRestoreRecordStore } from './RestoreRecordStore.ts';
import type { SnapshotDocs } from './SnapshotDocs.ts';
import type { SnapshotRecord } from './SnapshotStore.ts';
import type { SnapshotSync } from './SnapshotSync.ts';
import { compareEntries, groupItems, type ItemRef } from './undoReport.ts';
import { Slicer } from './yieldToLoop.ts';

/**
 * Undoes a snapshot restore as its inverse forward change (issue 18). Restoring the
 * pre-restore snapshot instead would roll the whole workspace back and throw away every
 * edit made since — an offline member's work arriving after the restore included. So the
 * undo takes the items the restore recorded (RestoreRecordStore) and, document by document on
 * the worker, puts back each one whose content is still what the restore left, from the
 * pre-restore snapshot; an item someone changed since keeps their edit and is reported.
 * Nothing the restore did not change is touched.
 *
 * Nor is content whose access the operator disabled since (terms §4, SPEC MOD-4): a disabled
 * ticket or notice, its row in the index, a disabled comment or message stays as it is now
 * and is reported as left alone (`content_disabled`), like the restore leaves a disabled
 * document; the report names a disabled ticket or notice by the words, not its title.
 */
export class RestoreUndoer {
  constructor(
    private readonly heavy: HeavyYjs,
    private readonly audit: Pick<AsyncStore<AuditStore>, 'record'>,
    private readonly log: Logger,
    private readonly now: () => number,
    private readonly records: AsyncRestoreRecordStore,
    private readonly docs: SnapshotDocs,
    private readonly sync: SnapshotSync,
    /**
     * What is disabled in a workspace now (`control.moderation`: on a cluster, whichever
     * process decided); none without it.
     */
    private readonly disabledSet: ((workspaceId: string) => Promise<DisabledSet>) | null = null,
  ) {}

  /** Callers serialize per workspace (WorkspaceQueue). */
  async undo(
    preRestore: SnapshotRecord,
    actorUserId: string,
    fence: LeaseFence | null = null,
  ): Promise<UndoRestoreResponse> {
    const workspaceId = preRestore.workspaceId;
    const record = await this.records.get(preRestore.id);
    if (!record || record.workspaceId !== workspaceId) {
      throw new AppError(
        ErrorCode.restoreNotUndoable,
        409,
        'This snapshot was not taken before a restore that can be undone. Restore it instead to go back to it.',
      );
    }
    if (record.undoneAt !== null) {
      throw new AppError(ErrorCode.restoreAlreadyUndone, 409, 'This restore was already undone.');
    }

    // The restore recorded index rows under the generation it wrote (the newest then, which
    // the pre-restore snapshot's head names); they are put back into the newest now, from
    // that generation's copy in the pre-restore snapshot (SPEC IDX-GEN).
    const indexId = await this.docs.indexIdNow(workspaceId);
    const indexBefore = await this.docs.indexIdAt(preRestore.id, workspaceId);
    const isIndex = (docId: string) => indexGenerationOf(docId) !== null;
    // Entries' own documents before the index, as the restore does: a ticket that comes
    // back already has its description when its row reappears in the list.
    const byDoc = [...(await this.records.items(preRestore.id))].sort(
      ([a], [b]) => Number(isIndex(a)) - Number(isIndex(b)) || (a < b ? -1 : 1),
    );
    const undone: ItemRef[] = [];
    const leftAlone: ItemRef[] = [];
    const disabledLeft: ItemRef[] = [];
    const disabled = (await this.disabledSet?.(workspaceId)) ?? null;
    let changedDocs = 0;
    const slicer = new Slicer();
    for (const [recordedDocId, recorded] of byDoc) {
      const docId = isIndex(recordedDocId) ? indexId : recordedDocId;
      const items = disabled
        ? recorded.filter((item) => {
            if (disabledReasonOfItem(disabled, docId, item.path) === null) return true;
            disabledLeft.push({ docId, path: item.path });
            return false;
          })
        : recorded;
      if (items.length === 0) continue; // all disabled: the document is not even read
      const goal = await this.docs.stateAt(
        preRestore.id,
        isIndex(recordedDocId) ? indexBefore : recordedDocId,
      );
      const current = await this.docs.stateNow(docId);
      const result = await this.heavy.run(
        'undoItems',
        [current, goal, items],
        current.byteLength + goal.byteLength,
      );
      if (result.update) {
        await this.sync.applyServerUpdate(docId, result.update);
        changedDocs += 1;
      }
      for (const i of result.undone) undone.push({ docId, path: items[i]!.path });
      for (const i of result.leftAlone) leftAlone.push({ docId, path: items[i]!.path });
      await slicer.maybeYield();
    }
    if (!(await this.records.markUndone(preRestore.id, actorUserId, this.now(), fence))) {
      // Undos of one workspace run one at a time in a process (WorkspaceQueue); another
      // process of a cluster undid it meanwhile. Its changes were applied too: a cluster
      // needs the workspace's queue across processes (SCALE-OUT.md), this only tells.
      throw new AppError(ErrorCode.restoreNotUndoable, 409, 'This restore was undone meanwhile.');
    }

    const redaction = disabled ? new Redaction(workspaceId, disabled) : null;
    const labelled = async (items: ItemRef[]) =>
      redacted(redaction, await this.#labelled(preRestore, record.snapshotId, groupItems(items)));
    const because = (reason: UndoLeftAloneReason) => (e: UndoEntry) => ({ ...e, reason });
    const report: UndoRestoreResponse = {
      restoreOf: { snapshotId: record.snapshotId, scope: record.scope as RestoreScopeName },
      undone: await labelled(undone),
      leftAlone: [
        ...(await labelled(leftAlone)).map(because('changed_since_restore')),
        ...(await labelled(disabledLeft)).map(because('content_disabled')),
      ].sort(compareEntries),
    };
    await this.audit.record({
      actor: { kind: 'user', userId: actorUserId },
      action: 'snapshot.restore_undone',
      target: auditTarget(workspaceId, record.scope),
      workspaceId,
      details: {
        preRestoreSnapshotId: preRestore.id,
        snapshotId: record.snapshotId,
        scope: record.scope,
        changedDocs,
        undoneItems: undone.length,
        leftAloneItems: leftAlone.length,
        disabledItems: disabledLeft.length,
      },
    });
    this.log.info(
      {
        workspaceId,
        preRestoreSnapshotId: preRestore.id,
        changedDocs,
        undone: undone.length,
        leftAlone: leftAlone.length,
      },
      'snapshot restore undone',
    );
    return report;
  }

  /**
   * Numbers and titles as they are now; for entries the undo removed again, as they were
   * before the restore, or in the snapshot it restored (a deleted ticket it brought back).
   */
  async #labelled(
    preRestore: SnapshotRecord,
    restoredSnapshotId: string,
    entries: UndoEntry[],
  ): Promise<UndoEntry[]> {
    const workspaceId = preRestore.workspaceId;
    const sources = [
      async () => this.docs.stateNow(await this.docs.indexIdNow(workspaceId)),
      async () =>
        this.docs.stateAt(preRestore.id, await this.docs.indexIdAt(preRestore.id, workspaceId)),
      async () =>
        this.docs.stateAt(
          restoredSnapshotId,
          await this.docs.indexIdAt(restoredSnapshotId, workspaceId),
        ),
    ];
    const roots = { ticket: 'tickets', notice: 'notices', channel: 'channels' } as const;
    for (const kind of ['ticket', 'notice', 'channel'] as const) {
      let missing = entries.filter((e) => e.kind === kind && e.title === null);
      for (const source of sources) {
        if (missing.length === 0) break;
        const state = await source();
        const ids = missing.map((e) => e.id);
        const labels = await this.heavy.run(
          'entryLabels',
          [state, roots[kind], ids],
          state.byteLength,
        );
        for (const entry of missing) Object.assign(entry, labels[entry.id] ?? {});
        missing = missing.filter((e) => e.title === null);
      }
    }
    return entries.sort(compareEntries);
  }
}

/** Terms §4: a disabled ticket or notice is named by the words in the report, not its title. */
function redacted(redaction: Redaction | null, entries: UndoEntry[]): UndoEntry[] {
  if (!redaction || redaction.none) return entries;
  return entries.map((entry) => {
    if (entry.kind !== 'ticket' && entry.kind !== 'notice') return entry;
    const reason = redaction.docReason(`${entry.kind}:${entry.id}`);
    return reason === null ? entry : { ...entry, title: contentDisabledWords(reason) };
  });
}

/** The same target as the restore's audit entry: the workspace, or the ticket or notice. */
function auditTarget(workspaceId: string, scope: string): { kind: string; id: string } {
  const [kind, id] = scope.split(':');
  return (kind === 'ticket' || kind === 'notice') && id
    ? { kind, id }
    : { kind: 'workspace', id: workspaceId };
}
