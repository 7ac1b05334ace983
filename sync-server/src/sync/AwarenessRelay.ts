import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { YMessageType } from '@desk/protocol';

interface Entry {
  clock: number;
  /** The state exactly as the client encoded it (JSON text); 'null' once removed. */
  state: string;
  owner: unknown;
  updatedAt: number;
}

/** y-protocols' awareness timeout: a state not renewed within it is gone. */
const OUTDATED_MS = 30_000;

/**
 * Presence for one document, relayed without JSON: awareness updates are forwarded as they
 * came, and the server keeps only each client's latest (clock, state text) so a newcomer gets
 * everyone's state and a closed socket's states can be removed at once. Same rules as
 * y-protocols' `applyAwarenessUpdate` (newer clock wins; same clock may remove). Never
 * persisted.
 */
export class AwarenessRelay {
  readonly #entries = new Map<number, Entry>();

  constructor(private readonly now: () => number) {}

  get size(): number {
    return this.#entries.size;
  }

  /**
   * Records an awareness update sent by `owner`. Throws on a malformed update (the caller
   * closes the socket with 4400).
   */
  apply(update: Uint8Array, owner: unknown): void {
    const decoder = decoding.createDecoder(update);
    const count = decoding.readVarUint(decoder);
    const at = this.now();
    for (let i = 0; i < count; i++) {
      const clientId = decoding.readVarUint(decoder);
      const clock = decoding.readVarUint(decoder);
      const state = decoding.readVarString(decoder);
      const entry = this.#entries.get(clientId);
      if (!entry) {
        this.#entries.set(clientId, { clock, state, owner, updatedAt: at });
      } else if (entry.clock < clock || (entry.clock === clock && state === 'null')) {
        entry.clock = clock;
        entry.state = state;
        entry.owner = owner;
        entry.updatedAt = at;
      }
    }
    if (decoding.hasContent(decoder)) throw new Error('trailing bytes after awareness update');
  }

  /**
   * Removes every state `owner` controls and returns the y-protocols awareness message that
   * tells the others (null when there was none).
   */
  removeOwner(owner: unknown): Uint8Array | null {
    const removed: [number, number][] = [];
    for (const [clientId, entry] of this.#entries) {
      if (entry.owner !== owner) continue;
      if (entry.state !== 'null') removed.push([clientId, entry.clock + 1]);
      this.#entries.delete(clientId);
    }
    if (removed.length === 0) return null;
    return encodeMessage(removed.map(([clientId, clock]) => [clientId, clock, 'null']));
  }

  /** The awareness message with every live state, for a newcomer; null when nobody is there. */
  snapshot(): Uint8Array | null {
    const cutoff = this.now() - OUTDATED_MS;
    const live: [number, number, string][] = [];
    for (const [clientId, entry] of this.#entries) {
      if (entry.state !== 'null' && entry.updatedAt > cutoff) {
        live.push([clientId, entry.clock, entry.state]);
      }
    }
    return live.length === 0 ? null : encodeMessage(live);
  }
}

/** A complete y-protocols awareness message: type 1, then the update as a varUint8Array. */
function encodeMessage(entries: readonly (readonly [number, number, string])[]): Uint8Array {
  const update = encoding.createEncoder();
  encoding.writeVarUint(update, entries.length);
  for (const [clientId, clock, state] of entries) {
    encoding.writeVarUint(update, clientId);
    encoding.writeVarUint(update, clock);
    encoding.writeVarString(update, state);
  }
  const message = encoding.createEncoder();
  encoding.writeVarUint(message, YMessageType.awareness);
  encoding.writeVarUint8Array(message, encoding.toUint8Array(update));
  return encoding.toUint8Array(message);
}
