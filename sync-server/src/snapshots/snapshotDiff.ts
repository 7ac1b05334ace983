import type { EntryDiff, SnapshotNoticeSummary, SnapshotTicketSummary } from '@desk/protocol';
import type { EntryCandidate } from './snapshotOps.ts';
import type { HeavyYjs } from '../offthread/HeavyYjs.ts';
import { workspaceDocIds, type SnapshotDocs } from './SnapshotDocs.ts';
import type { AsyncSnapshotStore, SnapshotRecord } from './SnapshotStore.ts';
import type { SnapshotSync } from './SnapshotSync.ts';
import { Slicer } from './yieldToLoop.ts';

export interface WorkspaceDiff {
  tickets: EntryDiff<SnapshotTicketSummary>;
  notices: EntryDiff<SnapshotNoticeSummary>;
}

/**
 * What changed between a snapshot and now: tickets and notices added, removed, and changed
 * (which index fields, and whether their own document's content differs). The two index
 * docs are compared on the worker (HeavyYjs); then only documents whose change sequence
 * moved since the snapshot are read and compared — by content, so a change that was
 * undone does not show — in slices.
 */
export async function diffSnapshot(
  snapshot: SnapshotRecord,
  store: Pick<AsyncSnapshotStore, 'doc'>,
  docs: SnapshotDocs,
  sync: SnapshotSync,
  heavy: HeavyYjs,
): Promise<WorkspaceDiff> {
  const workspaceId = snapshot.workspaceId;
  // Each side's own newest generation (SPEC IDX-GEN): rows compare by content, so a
  // snapshot from before a rewrite diffs against the rewritten index as it would against g1.
  const then = await docs.stateAt(snapshot.id, await docs.indexIdAt(snapshot.id, workspaceId));
  const now = await docs.stateNow(await docs.indexIdNow(workspaceId));
  // Same store generation: sequences are comparable and "changed since" is exact.
  // Otherwise (the database was restored from a backup) every document is compared.
  let moved: { tickets: string[]; notices: string[] } | null = null;
  if (snapshot.storeGeneration === sync.generation()) {
    moved = { tickets: [], notices: [] };
    const prefix = { ticket: `${workspaceId}:ticket:`, notice: `${workspaceId}:notice:` };
    for (const { docId } of await sync.changedSince(workspaceId, snapshot.seq)) {
      if (docId.startsWith(prefix.ticket)) moved.tickets.push(docId.slice(prefix.ticket.length));
      else if (docId.startsWith(prefix.notice)) {
        moved.notices.push(docId.slice(prefix.notice.length));
      }
    }
  }
  const diff = await heavy.run('indexDiff', [then, now, moved], then.byteLength + now.byteLength);

  const slicer = new Slicer();
  const contentChanged = async (docId: string): Promise<boolean> => {
    await slicer.maybeYield();
    const before = await store.doc(snapshot.id, docId);
    const stateThen = before ? await docs.stateOfHash(before.hash) : null;
    const stateNow = await docs.stateNow(docId);
    const bytes = (stateThen?.byteLength ?? 0) + stateNow.byteLength;
    const [a, b] = await Promise.all([
      heavy.run('contentKey', [stateThen], bytes),
      heavy.run('contentKey', [stateNow], bytes),
    ]);
    return a !== b;
  };
  const settle = async <T>(
    part: EntryDiff<T> & { candidates: EntryCandidate<T>[] },
    docIdOf: (id: string) => string,
  ): Promise<EntryDiff<T>> => {
    const changed = [...part.changed];
    for (const candidate of part.candidates) {
      const docChanged = await contentChanged(docIdOf(candidate.id));
      if (candidate.fields.length > 0 || docChanged) {
        changed.push({
          before: candidate.before,
          after: candidate.after,
          fields: candidate.fields,
          contentChanged: docChanged,
        });
      }
    }
    return { added: part.added, removed: part.removed, changed };
  };
  return {
    tickets: await settle(diff.tickets, (id) => workspaceDocIds.ticket(workspaceId, id)),
    notices: await settle(diff.notices, (id) => workspaceDocIds.notice(workspaceId, id)),
  };
}
