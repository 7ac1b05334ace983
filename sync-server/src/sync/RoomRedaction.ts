import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { redactedCopy, redactInPlace, type RedactionPlan } from './redactDoc.ts';
import { syncMessage } from './yMessages.ts';

/**
 * A room's redacted copy (terms §4): what members are served of a document that holds
 * disabled entries, in place of the room's own doc (which equals the stored state and is
 * never changed). Cached per plan; when the room moves on, the copy takes the room's new
 * structs (a diff since its own state vector) and redacts only those. Dropped when the plan
 * changes or goes away.
 */
export class RoomRedaction {
  #copy: Y.Doc | null = null;
  #planKey: string | null = null;
  /** The room version the copy holds. */
  #version = -1;

  constructor(private readonly source: Y.Doc) {}

  /** The copy for `plan`, up to date with the room at `version`. */
  copy(plan: RedactionPlan, version: number): Y.Doc {
    if (this.#copy === null || this.#planKey !== plan.key) {
      this.drop();
      this.#copy = redactedCopy(this.source, plan);
      this.#planKey = plan.key;
      this.#version = version;
      return this.#copy;
    }
    if (this.#version !== version) {
      const copy = this.#copy;
      const before = Y.decodeStateVector(Y.encodeStateVector(copy));
      Y.applyUpdate(copy, Y.encodeStateAsUpdate(this.source, Y.encodeStateVector(copy)));
      redactInPlace(copy, plan, before);
      this.#version = version;
    }
    return this.#copy;
  }

  /** The answer to a sync step 1: the redacted copy's diff against `stateVector`. */
  syncStep2(plan: RedactionPlan, version: number, stateVector: Uint8Array): Uint8Array {
    const copy = this.copy(plan, version);
    return syncMessage(syncProtocol.messageYjsSyncStep2, Y.encodeStateAsUpdate(copy, stateVector));
  }

  /**
   * A broadcast of `updates` (applied to the room already), redacted: the copy's structs
   * from the clocks the updates start at, and its delete set.
   */
  update(plan: RedactionPlan, version: number, updates: readonly Uint8Array[]): Uint8Array {
    const copy = this.copy(plan, version);
    const from = new Map(Y.decodeStateVector(Y.encodeStateVector(copy)));
    for (const update of updates) {
      for (const [client, clock] of Y.parseUpdateMeta(update).from) {
        from.set(client, Math.min(from.get(client) ?? clock, clock));
      }
    }
    return Y.encodeStateAsUpdate(copy, Y.encodeStateVector(from));
  }

  drop(): void {
    this.#copy?.destroy();
    this.#copy = null;
    this.#planKey = null;
    this.#version = -1;
  }
}
