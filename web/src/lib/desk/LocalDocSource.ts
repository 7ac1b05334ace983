import { IndexeddbPersistence } from 'y-indexeddb';
import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import type { ConnectionStatus, DocHandle, DocSource } from '$lib/offline/DocSource.ts';

interface Entry {
  doc: Y.Doc;
  awareness: Awareness;
  persistence: IndexeddbPersistence;
  whenLoaded: Promise<void>;
  refs: number;
}

/**
 * A DocSource with the local replica only (IndexedDB, no network). Used when the sync
 * client cannot be created (e.g. no WebSocket); the desk keeps working and says "offline".
 */
export class LocalDocSource implements DocSource {
  readonly status: ConnectionStatus = { kind: 'offline', pendingUpdates: 0 };
  private entries = new Map<string, Entry>();

  open(docId: string): DocHandle {
    let entry = this.entries.get(docId);
    if (!entry) {
      const doc = new Y.Doc();
      const persistence = new IndexeddbPersistence(`desk-local:${docId}`, doc);
      entry = {
        doc,
        awareness: new Awareness(doc),
        persistence,
        whenLoaded: persistence.whenSynced.then(() => undefined),
        refs: 0,
      };
      this.entries.set(docId, entry);
    }
    entry.refs += 1;
    const held = entry;
    let released = false;
    return {
      doc: held.doc,
      awareness: held.awareness,
      whenLoaded: held.whenLoaded,
      whenSynced: new Promise<void>(() => undefined),
      release: () => {
        if (released) return;
        released = true;
        held.refs -= 1;
        if (held.refs === 0) {
          this.entries.delete(docId);
          held.awareness.destroy();
          void held.persistence.destroy();
          held.doc.destroy();
        }
      },
    };
  }

  subscribe(listener: (status: ConnectionStatus) => void): () => void {
    listener(this.status);
    return () => undefined;
  }

  destroy(): void {
    for (const entry of this.entries.values()) {
      entry.awareness.destroy();
      void entry.persistence.destroy();
      entry.doc.destroy();
    }
    this.entries.clear();
  }
}
