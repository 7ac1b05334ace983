import { indexDocIdOfHead, indexHeadDocId } from '@desk/model';
import * as Y from 'yjs';
import { unpackState } from './blobCodec.ts';
import type { HeavyYjs } from '../offthread/HeavyYjs.ts';
import type { AsyncSnapshotStore } from './SnapshotStore.ts';
import type { SnapshotSync } from './SnapshotSync.ts';

/** The empty Yjs update: the state of a document that does not exist (yet). */
export const EMPTY_STATE = Y.encodeStateAsUpdate(new Y.Doc());

/**
 * Document ids of one workspace, as the model names them (packages/model docIds). `index` is
 * generation 1 of the index; the index a snapshot or the live workspace reads is the one its
 * head names (`SnapshotDocs.indexIdAt`, `indexIdNow`; issue 15 #4, SPEC IDX-GEN).
 */
export const workspaceDocIds = {
  index: (workspaceId: string) => `${workspaceId}:index`,
  ticket: (workspaceId: string, ticketId: string) => `${workspaceId}:ticket:${ticketId}`,
  notice: (workspaceId: string, noticeId: string) => `${workspaceId}:notice:${noticeId}`,
};

/** Reads documents as they were in a snapshot, and as they are now. */
export class SnapshotDocs {
  constructor(
    private readonly store: Pick<AsyncSnapshotStore, 'doc' | 'blob'>,
    private readonly sync: SnapshotSync,
    private readonly heavy: HeavyYjs,
  ) {}

  /** The document's current state as one update (merged on the worker when large). */
  async stateNow(docId: string): Promise<Uint8Array> {
    const parts = await this.sync.storedParts(docId);
    const bytes = parts.reduce((sum, p) => sum + p.byteLength, 0);
    return (await this.heavy.run('merge', [parts], bytes)) ?? EMPTY_STATE;
  }

  /** The document's state in the snapshot; EMPTY_STATE when the snapshot does not have it. */
  async stateAt(snapshotId: string, docId: string): Promise<Uint8Array> {
    const row = await this.store.doc(snapshotId, docId);
    return row ? this.stateOfHash(row.hash) : EMPTY_STATE;
  }

  async stateOfHash(hash: string): Promise<Uint8Array> {
    const blob = await this.store.blob(hash);
    if (!blob) throw new Error(`snapshot blob ${hash} is missing`);
    return unpackState(blob);
  }

  async docAt(snapshotId: string, docId: string): Promise<Y.Doc> {
    return docOf(await this.stateAt(snapshotId, docId));
  }

  /**
   * The index generation the snapshot's head names: its rows as they were then (a snapshot
   * taken before any rewrite has no head: `<ws>:index`). The older generations it also holds
   * have stopped at their switch.
   */
  async indexIdAt(snapshotId: string, workspaceId: string): Promise<string> {
    return indexIdOfHeadState(
      workspaceId,
      await this.stateAt(snapshotId, indexHeadDocId(workspaceId)),
    );
  }

  /**
   * The live index: the newest generation, which the head names now. Restores and undos
   * write index rows here, never into a replaced generation (no switched device reads it).
   */
  async indexIdNow(workspaceId: string): Promise<string> {
    return indexIdOfHeadState(workspaceId, await this.stateNow(indexHeadDocId(workspaceId)));
  }
}

function indexIdOfHeadState(workspaceId: string, state: Uint8Array): string {
  const head = docOf(state); // a few bytes: decoded here
  try {
    return indexDocIdOfHead(workspaceId, head);
  } finally {
    head.destroy();
  }
}

export function docOf(state: Uint8Array): Y.Doc {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, state);
  return doc;
}
