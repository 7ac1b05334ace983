import {
  generationOf,
  indexDocId,
  indexGenerationOf,
  indexHeadDocId,
  keptFromOf,
} from '@desk/model';
import * as Y from 'yjs';
import type { EngineDocs } from '../sync/SyncEngine.ts';

/** Where the head is read: the engine's stored documents, embedded or shared. */
export type StoredDocs = Pick<EngineDocs, 'storedParts'>;

/**
 * Whether `docId` is an index generation older than the newest the workspace's head names
 * (replaced), or below its `keptFrom` (dropped; SPEC IDX-GEN-6). Its rows are not the
 * workspace's: a dropped generation written back by a replica older than the limit holds
 * them as they were months ago, without the `meta.next` that marks a replaced one — so the
 * search projection takes none of them, from the first read on, instead of indexing them
 * until the rewriter deletes the doc again. Reads the head (a few bytes) from the store.
 */
export async function isOlderIndexGeneration(store: StoredDocs, docId: string): Promise<boolean> {
  const parsed = indexGenerationOf(docId);
  if (!parsed) return false;
  const head = await readHead(store, parsed.workspaceId);
  if (!head) return false; // no head: generation 1, never rewritten
  return parsed.generation < Math.max(head.generation, head.keptFrom);
}

/**
 * The id of the workspace's index generation in use (the head's newest; generation 1's id
 * when it was never rewritten): what a reader of the workspace's tickets reads.
 */
export async function currentIndexDocId(store: StoredDocs, workspaceId: string): Promise<string> {
  const head = await readHead(store, workspaceId);
  return indexDocId(workspaceId, head?.generation ?? 1);
}

async function readHead(
  store: StoredDocs,
  workspaceId: string,
): Promise<{ generation: number; keptFrom: number } | null> {
  const parts = await store.storedParts(indexHeadDocId(workspaceId));
  if (parts.length === 0) return null;
  const head = new Y.Doc();
  try {
    for (const part of parts) Y.applyUpdate(head, part);
    return { generation: generationOf(head), keptFrom: keptFromOf(head) };
  } finally {
    head.destroy();
  }
}
