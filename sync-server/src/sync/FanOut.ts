/**
 * The seam between server processes. An update persisted by one process must reach the
 * subscribers connected to the others; with one process there is nobody else, so the
 * in-process fan-out does nothing and the local room's broadcast is the whole story. The
 * Redis implementation (`cluster/RedisFanOut.ts`) publishes here and feeds
 * `onRemoteUpdate` from the streams of the documents this process has loaded.
 */
export interface FanOut {
  /**
   * An update this process stored (as workspace change `seq`; the latest when several were
   * merged) and broadcast locally; `stored`: the numbers the store gave the updates it holds
   * among their doc's (`AppendResult.stored`): what the lagging-document watch counts.
   */
  publishUpdate(docId: string, update: Uint8Array, seq: number, stored: readonly number[]): void;
  /** Updates stored by other processes; the engine applies and broadcasts them locally. */
  onRemoteUpdate(handler: (docId: string, update: Uint8Array) => void): void;
  /**
   * A loaded doc may have missed other processes' updates (a gap in its stream, a
   * publisher that died before publishing): `handler` brings it up to date from the store.
   */
  onResync(handler: (docId: string) => Promise<void>): void;
  /**
   * Called before a doc is loaded from the store: its updates published from now on reach
   * `onRemoteUpdate`, so nothing falls between the load and the stream.
   */
  follow(docId: string, workspaceId: string): Promise<void>;
  /**
   * The doc was loaded (or re-synced) holding its stored updates 1..`updatesStored`
   * (`StoredDoc.updatesStored`).
   */
  loaded(docId: string, workspaceId: string, updatesStored: number): void;
  /** The doc is no longer loaded here. */
  unfollow(docId: string): void;
  /** An awareness message (y-protocols, whole) a local socket sent for a loaded doc. */
  publishAwareness(docId: string, message: Uint8Array): void;
  /** Awareness messages of other processes' sockets, for docs loaded here. */
  onRemoteAwareness(handler: (docId: string, message: Uint8Array) => void): void;
  close(): Promise<void>;
}

export class InProcessFanOut implements FanOut {
  publishUpdate(): void {}
  onRemoteUpdate(): void {}
  onResync(): void {}
  follow(): Promise<void> {
    return Promise.resolve();
  }
  loaded(): void {}
  unfollow(): void {}
  publishAwareness(): void {}
  onRemoteAwareness(): void {}
  close(): Promise<void> {
    return Promise.resolve();
  }
}
