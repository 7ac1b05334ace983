import { generationOf, indexGenerationOf, indexHeadDocId, keptFromOf } from '@desk/model';
import * as Y from 'yjs';
import type { DocStore } from '../store/DocStore.ts';

/**
 * Whether `docId` is an index generation older than the newest the workspace's head names
 * (replaced), or below its `keptFrom` (dropped; SPEC IDX-GEN-6). Its rows are not the
 * workspace's: a dropped generation written back by a replica older than the limit holds
 * them as they were months ago, without the `meta.next` that marks a replaced one — so the
 * search projection takes none of them, from the first read on, instead of indexing them
 * until the rewriter deletes the doc again. Reads the head (a few bytes) from the store.
 */
export async function isOlderIndexGeneration(store: DocStore, docId: string): Promise<boolean> {
  const parsed = indexGenerationOf(docId);
  if (!parsed) return false;
  const stored = await store.loadInSlices(indexHeadDocId(parsed.workspaceId));
  if (!stored) return false; // no head: generation 1, never rewritten
  const head = new Y.Doc();
  try {
    if (stored.state) Y.applyUpdate(head, stored.state);
    for (const update of stored.log) Y.applyUpdate(head, update);
    return parsed.generation < Math.max(generationOf(head), keptFromOf(head));
  } finally {
    head.destroy();
  }
}
