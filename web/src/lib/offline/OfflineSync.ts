import { IndexedDbStore, SyncClient } from '@desk/client';
import type { DisabledItemEntry, DocErrorCode } from '@desk/protocol';
import type { ConnectionStatus, DocHandle, DocRefusalNotice, DocSource } from './DocSource.ts';
import { userStorePrefix } from './localKeys.ts';
import type { ReplicaManager } from './ReplicaManager.ts';

/** A document the server refused, as the client logged it (`doc_error`), and when. */
export interface DocRefusal extends DocRefusalNotice {
  at: number;
}

/** Every live OfflineSync of this tab, so logout can close them before deleting databases. */
const live = new Set<OfflineSync>();

/** Closes every sync client of this tab (logout: the databases can only go once closed). */
export async function closeAllOfflineSyncs(): Promise<void> {
  await Promise.all([...live].map((sync) => sync.close()));
}

/**
 * The desk's DocSource in the browser: one SyncClient over `/sync` with the session cookie,
 * its local replica in IndexedDB keyed by the signed-in user's id. Also the seam the offline
 * UI listens on: the client's diagnostics tell which docs the server refused and why.
 */
export class OfflineSync implements DocSource {
  readonly client: SyncClient;
  /** The signed-in user whose replica this is. */
  readonly userId: string;
  readonly #refusalListeners = new Set<(refusal: DocRefusal) => void>();
  #replica: ReplicaManager | null = null;
  #closed: Promise<void> | null = null;

  constructor(userId: string) {
    this.userId = userId;
    this.client = new SyncClient({
      url: () => {
        const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
        return `${scheme}://${location.host}/sync`;
      },
      store: new IndexedDbStore({ prefix: userStorePrefix(userId) }),
      // Background replication keeps this many docs in flight; the rest waits its turn so
      // the socket and the main thread stay free for what the user is doing.
      catchUpConcurrency: 8,
      log: (event, details) => this.#onLog(event, details),
    });
    live.add(this);
  }

  open(docId: string): DocHandle {
    return this.client.open(docId);
  }

  get status(): ConnectionStatus {
    return this.client.status;
  }

  subscribe(listener: (status: ConnectionStatus) => void): () => void {
    return this.client.subscribe(listener);
  }

  /** The open workspace's replication (OfflineStatus attaches it while it runs). */
  attachReplica(replica: ReplicaManager | null): void {
    this.#replica = replica;
  }

  isHeld(docId: string): Promise<boolean> {
    // No replication attached (no status bar yet): say held, so nothing claims a ticket is
    // missing that may well be here; the page still shows the server's copy once synced.
    return this.#replica?.isHeld(docId) ?? Promise.resolve(true);
  }

  markHeld(docId: string): void {
    void this.#replica?.markHeld([docId]).catch(() => undefined);
  }

  /** Called with every document refusal (read-only workspace, removed membership, limits). */
  onRefusal(listener: (refusal: DocRefusal) => void): () => void {
    this.#refusalListeners.add(listener);
    return () => this.#refusalListeners.delete(listener);
  }

  /** Every list of disabled items the server pushes (terms §4), with its workspace. */
  onDisabledItems(
    listener: (workspaceId: string, items: readonly DisabledItemEntry[]) => void,
  ): () => void {
    return this.client.onDisabledItems((message) => listener(message.workspaceId, message.items));
  }

  destroy(): void {
    void this.close();
  }

  /** Flushes local writes and closes the socket and the databases. */
  close(): Promise<void> {
    this.#closed ??= this.client.close().finally(() => live.delete(this));
    return this.#closed;
  }

  #onLog(event: string, details: Record<string, unknown>): void {
    if (event !== 'doc_error') return;
    const refusal: DocRefusal = {
      docId: String(details.docId),
      code: details.code as DocErrorCode,
      message: String(details.message),
      at: Date.now(),
    };
    for (const listener of this.#refusalListeners) listener(refusal);
  }
}
