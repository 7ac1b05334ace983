import type { Awareness } from 'y-protocols/awareness';
import type * as Y from 'yjs';
import type { DocLimits } from '@desk/protocol';
import { Listeners } from '../status/Listeners.ts';
import { sameDocStatus } from '../status/SyncStatus.ts';
import type { DocStatus } from '../status/SyncStatus.ts';
import type { RefusedChange } from '../store/LocalStore.ts';
import type { DocReplica, ReplacedEvent } from './DocReplica.ts';

export interface HandleHooks {
  release(): void;
  retry(): void;
}

/**
 * What `client.open(docId)` returns: one reference to a shared replica. Every `open` gives a
 * new handle; the doc is unsubscribed (after a grace period) when the last one is released.
 *
 * `doc` and `awareness` can change: when the server refuses a local change the replica is
 * rebuilt from the server's state and `on('replaced')` fires; bind the editor to the new
 * doc then (see DocReplica).
 */
export class DocHandle {
  readonly docId: string;
  readonly #replica: DocReplica;
  readonly #hooks: HandleHooks;
  readonly #statusListeners = new Listeners<DocStatus>();
  #lastStatus: DocStatus;
  #released = false;
  readonly #replacedOffs: Array<() => void> = [];

  constructor(replica: DocReplica, hooks: HandleHooks) {
    this.docId = replica.docId;
    this.#replica = replica;
    this.#hooks = hooks;
    this.#lastStatus = replica.status;
  }

  get doc(): Y.Doc {
    return this.#replica.doc;
  }

  get awareness(): Awareness {
    return this.#replica.awareness;
  }

  /** The local copy is loaded (offline this is all there is). */
  get whenLoaded(): Promise<void> {
    return this.#replica.whenLoaded;
  }

  /**
   * The replica has the server's state and the server has every local change. Rejects with
   * SyncError when the server refuses the doc (not_member, access_revoked, …).
   */
  get whenSynced(): Promise<void> {
    return this.#replica.whenSynced;
  }

  get status(): DocStatus {
    return this.#replica.status;
  }

  /** Local changes not yet acknowledged by the server. */
  get pending(): number {
    return this.#replica.pending;
  }

  get readOnly(): boolean {
    return this.#replica.readOnly;
  }

  /**
   * The plan's write limits for this doc (document size, tickets, messages per minute), from
   * the server's `subscribed`; null until subscribed or from an older server. The app refuses
   * first with words when a change would pass one (SPEC.md, LIMIT).
   */
  get limits(): DocLimits | null {
    return this.#replica.limits;
  }

  /** Local changes the server refused, kept as drafts (persisted in the local store). */
  get refused(): readonly RefusedChange[] {
    return this.#replica.refused;
  }

  /** Drop drafts the user exported or discarded. */
  dismissRefused(changes: readonly RefusedChange[]): void {
    this.#replica.dismissRefused(changes);
  }

  /** Svelte store contract: called now and on every status change; returns unsubscribe. */
  subscribe(listener: (status: DocStatus) => void): () => void {
    return this.#statusListeners.subscribe(() => this.#replica.status, listener);
  }

  /** The doc was rebuilt from the server after a refused change: rebind to `event.doc`. */
  on(event: 'replaced', listener: (event: ReplacedEvent) => void): () => void {
    if (event !== 'replaced') throw new Error(`unknown event ${String(event)}`);
    const off = this.#replica.onReplaced(listener);
    this.#replacedOffs.push(off);
    return off;
  }

  /** After a refusal that blocks the doc (not_member, access_revoked…): subscribe again. */
  retry(): void {
    if (!this.#released) this.#hooks.retry();
  }

  get released(): boolean {
    return this.#released;
  }

  /** Idempotent; the handle must not be used afterwards. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#statusListeners.clear();
    for (const off of this.#replacedOffs.splice(0)) off();
    this.#hooks.release();
  }

  /** Called by the client when the replica's status may have changed. */
  notify(): void {
    const status = this.#replica.status;
    if (sameDocStatus(status, this.#lastStatus)) return;
    this.#lastStatus = status;
    this.#statusListeners.emit(status);
  }
}
