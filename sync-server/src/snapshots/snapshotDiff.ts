import type * as Y from 'yjs';
import type { EntryDiff, SnapshotNoticeSummary, SnapshotTicketSummary } from '@desk/protocol';
import { contentOf, docContent, stableStringify } from './docContent.ts';
import { docOf, workspaceDocIds, type SnapshotDocs } from './SnapshotDocs.ts';
import type { SnapshotRecord, SnapshotStore } from './SnapshotStore.ts';
import type { SnapshotSync } from './SnapshotSync.ts';
import { entriesOf, entryFields, noticeSummary, ticketSummary } from './snapshotViews.ts';
import { Slicer } from './yieldToLoop.ts';

export interface WorkspaceDiff {
  tickets: EntryDiff<SnapshotTicketSummary>;
  notices: EntryDiff<SnapshotNoticeSummary>;
}

/**
 * What changed between a snapshot and now: tickets and notices added, removed, and changed
 * (which index fields, and whether their own document's content differs). Only documents
 * whose change sequence moved since the snapshot are read and compared — by content, so a
 * change that was undone does not show — and the work runs in slices.
 */
export async function diffSnapshot(
  snapshot: SnapshotRecord,
  store: SnapshotStore,
  docs: SnapshotDocs,
  sync: SnapshotSync,
): Promise<WorkspaceDiff> {
  const workspaceId = snapshot.workspaceId;
  const indexId = workspaceDocIds.index(workspaceId);
  const then = await docs.docAt(snapshot.id, indexId);
  const now = await docs.docNow(indexId);
  try {
    // Same store generation: sequences are comparable and "changed since" is exact.
    // Otherwise (the database was restored from a backup) every document is compared.
    const moved =
      snapshot.storeGeneration === sync.generation()
        ? new Set(sync.changedSince(workspaceId, snapshot.seq).map((row) => row.docId))
        : null;
    const slicer = new Slicer();
    const contentChanged = async (docId: string): Promise<boolean> => {
      if (moved && !moved.has(docId)) return false;
      await slicer.maybeYield();
      const before = store.doc(snapshot.id, docId);
      const stateThen = before ? await docs.stateOfHash(before.hash) : null;
      const stateNow = await sync.readDocState(docId);
      return contentKey(stateThen) !== contentKey(stateNow);
    };
    const tickets = await diffEntries(then, now, 'tickets', ticketSummary, (id) =>
      contentChanged(workspaceDocIds.ticket(workspaceId, id)),
    );
    const notices = await diffEntries(then, now, 'notices', noticeSummary, (id) =>
      contentChanged(workspaceDocIds.notice(workspaceId, id)),
    );
    return { tickets, notices };
  } finally {
    then.destroy();
    now.destroy();
  }
}

async function diffEntries<T>(
  then: Y.Doc,
  now: Y.Doc,
  root: 'tickets' | 'notices',
  summary: (id: string, entry: unknown) => T,
  contentChanged: (id: string) => Promise<boolean>,
): Promise<EntryDiff<T>> {
  const before = entriesOf(then, root);
  const after = entriesOf(now, root);
  const diff: EntryDiff<T> = { added: [], removed: [], changed: [] };
  for (const [id, entry] of after) if (!before.has(id)) diff.added.push(summary(id, entry));
  for (const [id, entry] of before) {
    const current = after.get(id);
    if (current === undefined) {
      diff.removed.push(summary(id, entry));
      continue;
    }
    const fields = changedFields(entryFields(entry), entryFields(current));
    const docChanged = await contentChanged(id);
    if (fields.length > 0 || docChanged) {
      diff.changed.push({
        before: summary(id, entry),
        after: summary(id, current),
        fields,
        contentChanged: docChanged,
      });
    }
  }
  return diff;
}

/**
 * Index fields that differ. Bookkeeping fields that follow from other changes (updatedAt,
 * the search text and comment count mirrored from the ticket doc) are left out: the
 * `contentChanged` flag already tells that story.
 */
const derivedFields = new Set(['updatedAt', 'searchText', 'commentCount', 'excerpt']);

function changedFields(then: Record<string, unknown>, now: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(then), ...Object.keys(now)]);
  return [...keys]
    .filter((key) => !derivedFields.has(key))
    .filter((key) => stableStringify(contentOf(then[key])) !== stableStringify(contentOf(now[key])))
    .sort();
}

function contentKey(state: Uint8Array | null): string {
  if (!state) return '{}';
  const doc = docOf(state);
  try {
    return stableStringify(docContent(doc));
  } finally {
    doc.destroy();
  }
}
