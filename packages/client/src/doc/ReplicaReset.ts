import * as Y from 'yjs';
import type { RefusedChange } from '../store/LocalStore.ts';
import { changesDoc, isEmptyUpdate } from './docFrames.ts';
import type { DocError } from './Subscription.ts';

/**
 * The reset after a refused change (DESIGN §4.4). Yjs cannot take back an applied update,
 * so the replica is rebuilt instead: a fresh doc is filled with the server's state (sync
 * step 1 with an empty state vector), and the refused work — the refused update, every
 * change not yet acknowledged, and every local change made while the reset runs — is kept
 * as a draft the user can copy or export.
 *
 * This holds the fresh doc and the draft's parts while the server's state arrives; the
 * replica swaps docs when `finish` says so.
 */
export class ReplicaReset {
  /** Filled from the server; becomes the replica's doc when the reset finishes. */
  readonly doc: Y.Doc;
  readonly #refusal: DocError;
  /** When the refusal arrived (epoch ms). */
  readonly #at: number;
  readonly #parts: Uint8Array[];

  constructor(
    refusal: DocError,
    at: number,
    refusedWork: readonly Uint8Array[],
    options: { gc: boolean },
  ) {
    this.#refusal = refusal;
    this.#at = at;
    this.#parts = [...refusedWork];
    this.doc = new Y.Doc({ gc: options.gc });
  }

  /** More refused work: a later refusal, or a local change made while the reset runs. */
  keep(...updates: Uint8Array[]): void {
    this.#parts.push(...updates);
  }

  /**
   * The server's state has arrived in `doc`. Returns the draft: the refused work minus what
   * the server already has (an edit it took before refusing a later one is not lost), or
   * null when nothing of it is missing from the server.
   */
  finish(): RefusedChange | null {
    if (this.#parts.length === 0) return null;
    const draft = Y.diffUpdate(Y.mergeUpdates(this.#parts), Y.encodeStateVector(this.doc));
    // Only deletions the server already has (a diff repeats the whole delete set): no draft.
    if (isEmptyUpdate(draft) || !changesDoc(this.doc, draft)) return null;
    return {
      code: this.#refusal.code,
      message: this.#refusal.message,
      update: draft,
      at: this.#at,
    };
  }
}
