import * as encoding from 'lib0/encoding';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import {
  MessageType,
  PROTOCOL_VERSION,
  YMessageType,
  encodeClientMessage,
  encodeDocFrame,
} from '@desk/protocol';
import type { SeededRandom } from '@desk/protocol/testing';

/** The kinds of bad input the fuzzer sends; each frame is counted under one. */
export const FuzzKind = {
  randomBytes: 'random_bytes',
  truncatedVarint: 'truncated_varint',
  hugeLength: 'huge_length',
  wrongDocId: 'wrong_doc_id',
  deepNesting: 'deep_nesting',
  garbageUpdate: 'garbage_update',
  awarenessFlood: 'awareness_flood',
  /** Well-formed but unusual: presence with odd states, updates sent out of order. */
  awarenessNoise: 'awareness_noise',
  outOfOrderUpdate: 'out_of_order_update',
  mutatedFrame: 'mutated_frame',
  validUpdate: 'valid_update',
} as const;
export type FuzzKind = (typeof FuzzKind)[keyof typeof FuzzKind];

export interface FuzzFrame {
  kind: FuzzKind;
  bytes: Uint8Array;
}

/**
 * Seeded frames for both endpoints: random bytes, truncated varints, huge lengths, wrong doc
 * ids, deeply nested content, valid framing around garbage or mutated updates, awareness
 * floods, mutated valid frames, and valid updates among them. On /sync a frame is a whole
 * protocol frame; on /yjs a bare y-protocols message.
 */
export class FrameFuzzer {
  /** Small valid updates, reused as the material of mutations. */
  readonly #updates: Uint8Array[] = [];
  /** Updates that need an update the server never gets. */
  readonly #outOfOrder: Uint8Array[] = [];
  /** Deep-nesting payloads by variant: built once (they take milliseconds to build). */
  readonly #deep = new Map<number, Uint8Array>();
  /** Large awareness floods, built once and sent again. */
  readonly #floods: Uint8Array[] = [];

  constructor(
    private readonly random: SeededRandom,
    private readonly workspaceId: string,
    /** Docs of the workspace the fuzzer may write to. */
    readonly docIds: readonly string[],
  ) {
    for (let i = 0; i < 64; i++) this.#updates.push(this.#freshUpdate());
    for (let i = 0; i < 32; i++) this.#outOfOrder.push(this.#makeOutOfOrder());
  }

  /**
   * A /sync frame sent after the hello (and maybe a subscription to `subscribed`). A
   * `hostile` frame may (and usually does) get the socket closed; the others are frames a
   * server must answer or ignore with the socket left open.
   */
  syncFrame(subscribed: string | null, hostile: boolean): FuzzFrame {
    const r = this.random;
    const docId = subscribed ?? r.pick(this.docIds);
    const doc = (payload: Uint8Array) => encodeDocFrame(docId, payload);
    if (!hostile) {
      switch (r.int(5)) {
        case 0:
        case 1:
          return { kind: FuzzKind.wrongDocId, bytes: this.#wrongDocIdFrame() };
        case 2:
          return { kind: FuzzKind.awarenessNoise, bytes: doc(this.#awarenessNoise()) };
        case 3:
          return { kind: FuzzKind.outOfOrderUpdate, bytes: doc(this.#outOfOrderUpdate()) };
        default:
          return { kind: FuzzKind.validUpdate, bytes: doc(this.#validUpdate()) };
      }
    }
    switch (r.int(9)) {
      case 0:
        return { kind: FuzzKind.randomBytes, bytes: this.#randomBytes() };
      case 1:
        return {
          kind: FuzzKind.truncatedVarint,
          bytes: r.int(2) === 0 ? this.#truncatedVarint() : doc(this.#truncatedVarint()),
        };
      case 2:
        return { kind: FuzzKind.hugeLength, bytes: this.#hugeLength(docId, true) };
      case 3:
        return { kind: FuzzKind.deepNesting, bytes: doc(this.#deepNesting()) };
      case 4:
        return { kind: FuzzKind.garbageUpdate, bytes: doc(this.#garbageUpdateMessage()) };
      case 5:
        return { kind: FuzzKind.awarenessFlood, bytes: doc(this.#awarenessFlood()) };
      case 6: {
        // A doc id the codec refuses: empty, or past MAX_DOC_ID_LENGTH.
        const bad = r.int(2) === 0 ? '' : `${this.workspaceId}:ticket:${'a'.repeat(20_000)}`;
        return {
          kind: FuzzKind.wrongDocId,
          bytes:
            r.int(2) === 0
              ? encodeClientMessage({ type: MessageType.subscribe, docId: bad })
              : encodeDocFrame(bad, this.#validUpdate()),
        };
      }
      default:
        return { kind: FuzzKind.mutatedFrame, bytes: this.#mutate(this.#validSyncFrame(docId)) };
    }
  }

  /** A /yjs frame (a bare y-protocols message); `hostile` as for `syncFrame`. */
  yjsFrame(docId: string, hostile: boolean): FuzzFrame {
    const r = this.random;
    if (!hostile) {
      return r.int(3) === 0
        ? { kind: FuzzKind.awarenessNoise, bytes: this.#awarenessNoise() }
        : { kind: FuzzKind.validUpdate, bytes: this.#validUpdate() };
    }
    switch (r.int(9)) {
      case 0:
        return { kind: FuzzKind.randomBytes, bytes: this.#randomBytes() };
      case 1:
        return { kind: FuzzKind.truncatedVarint, bytes: this.#truncatedVarint() };
      case 2:
        return { kind: FuzzKind.hugeLength, bytes: this.#hugeLength(docId, false) };
      case 3:
        return { kind: FuzzKind.deepNesting, bytes: this.#deepNesting() };
      case 4:
        return { kind: FuzzKind.garbageUpdate, bytes: this.#garbageUpdateMessage() };
      case 5:
        return { kind: FuzzKind.awarenessFlood, bytes: this.#awarenessFlood() };
      case 6:
        return { kind: FuzzKind.outOfOrderUpdate, bytes: this.#outOfOrderUpdate() };
      default:
        return { kind: FuzzKind.mutatedFrame, bytes: this.#mutate(this.#validYMessage()) };
    }
  }

  /** One of the pool's self-contained updates (sending one twice changes nothing). */
  #validUpdate(): Uint8Array {
    return updateMessage(this.random.pick(this.#updates));
  }

  /** Presence that is well-formed on the wire: states that are not JSON, null, or odd. */
  #awarenessNoise(): Uint8Array {
    const r = this.random;
    const encoder = encoding.createEncoder();
    if (r.int(4) === 0) {
      encoding.writeVarUint(encoder, YMessageType.queryAwareness);
      return encoding.toUint8Array(encoder);
    }
    const inner = encoding.createEncoder();
    encoding.writeVarUint(inner, 1);
    encoding.writeVarUint(inner, 1 + r.int(2 ** 31));
    encoding.writeVarUint(inner, r.int(1000));
    encoding.writeVarString(inner, r.pick(['null', '{not json', '{"user":{"name":"fuzz"}}', '[]']));
    encoding.writeVarUint(encoder, YMessageType.awareness);
    encoding.writeVarUint8Array(encoder, encoding.toUint8Array(inner));
    return encoding.toUint8Array(encoder);
  }

  /** The second update of a client without the first: it needs structs the server lacks. */
  #outOfOrderUpdate(): Uint8Array {
    return updateMessage(this.random.pick(this.#outOfOrder));
  }

  #makeOutOfOrder(): Uint8Array {
    const r = this.random;
    const doc = this.#doc();
    const text = doc.getText('t');
    text.insert(0, 'first');
    const sv = Y.encodeStateVector(doc);
    text.insert(r.int(6), 'second');
    if (r.int(2) === 0) text.delete(0, 2);
    return Y.encodeStateAsUpdate(doc, sv);
  }

  #randomBytes(): Uint8Array {
    const r = this.random;
    const length = r.int(20) === 0 ? 1 + r.int(200_000) : r.int(48);
    const bytes = new Uint8Array(length);
    for (let i = 0; i < length; i++) bytes[i] = r.int(256);
    return bytes;
  }

  /** A varUint whose continuation bit is set on its last byte, after 0-3 valid varUints. */
  #truncatedVarint(): Uint8Array {
    const r = this.random;
    const bytes: number[] = [];
    for (let i = r.int(4); i > 0; i--) bytes.push(r.int(128));
    for (let i = 1 + r.int(12); i > 0; i--) bytes.push(0x80 | r.int(128));
    return Uint8Array.from(bytes);
  }

  /** A length prefix far beyond the frame (doc id, update or awareness length). */
  #hugeLength(docId: string, framed: boolean): Uint8Array {
    const r = this.random;
    const encoder = encoding.createEncoder();
    const huge = r.pick([2 ** 31, 2 ** 32 - 1, 2 ** 53 - 1, 0x7fffffff, 10_000_000]);
    const where = r.int(framed ? 3 : 2);
    if (framed) encoding.writeVarUint(encoder, MessageType.doc);
    if (framed && where === 0) {
      encoding.writeVarUint(encoder, huge); // doc id length
    } else {
      if (framed) encoding.writeVarString(encoder, docId);
      if (where === 1 || !framed) {
        encoding.writeVarUint(encoder, YMessageType.sync);
        encoding.writeVarUint(encoder, r.pick([0, 1, 2]));
      } else {
        encoding.writeVarUint(encoder, YMessageType.awareness);
      }
      encoding.writeVarUint(encoder, huge);
    }
    for (let i = r.int(16); i > 0; i--) encoding.writeUint8(encoder, r.int(256));
    return encoding.toUint8Array(encoder);
  }

  /** Subscriptions, frames and catch-ups for docs that are not ours or not valid names. */
  #wrongDocIdFrame(): Uint8Array {
    const r = this.random;
    // Names the codec accepts (an empty or over-long one is a malformed frame: hostile).
    const docId = r.pick([
      ':',
      ':::',
      'x',
      `${this.workspaceId}`,
      `${this.workspaceId}:`,
      `${this.workspaceId}:nope:${r.int(1000)}`,
      `other${r.int(100)}:index`,
      `${this.workspaceId}:ticket:${'a'.repeat(100 + r.int(60))}`,
      `${this.workspaceId}:ticket:\u0000\uffff😀`,
      `${this.workspaceId}:ticket:never-subscribed-${r.int(50)}`,
    ]);
    switch (r.int(4)) {
      case 0:
        return encodeClientMessage({ type: MessageType.subscribe, docId });
      case 1:
        return encodeClientMessage({ type: MessageType.unsubscribe, docId });
      case 2:
        return encodeClientMessage({
          type: MessageType.catchUp,
          workspaceId: r.pick([docId, 'other', this.workspaceId]),
          sinceSeq: r.int(2) === 0 ? 0 : 2 ** 40,
          generation: r.pick(['', 'nope', 'x'.repeat(150)]),
        });
      default:
        return encodeDocFrame(docId, updateMessage(r.pick(this.#updates)));
    }
  }

  /**
   * A sync update whose one item holds an array nested thousands deep (lib0 reads `any`
   * recursively), or a chain of nested Y.Maps that is valid and stored.
   */
  #deepNesting(): Uint8Array {
    const r = this.random;
    const variant = r.int(8);
    const cached = this.#deep.get(variant);
    if (cached) return cached;
    const made = this.#makeDeepNesting(variant);
    this.#deep.set(variant, made);
    return made;
  }

  #makeDeepNesting(variant: number): Uint8Array {
    if (variant < 2) {
      const doc = this.#doc();
      doc.transact(() => {
        let map = doc.getMap('nest');
        for (let i = variant === 0 ? 50 : 300; i > 0; i--) {
          const inner = new Y.Map<unknown>();
          map.set('k', inner);
          map = inner;
        }
      });
      return updateMessage(Y.encodeStateAsUpdate(doc));
    }
    const doc = this.#doc();
    doc.getMap('m').set('k', 'MARKER');
    const update = Y.encodeStateAsUpdate(doc);
    const marker = [119, 6, ...new TextEncoder().encode('MARKER')];
    const at = indexOf(update, marker);
    const depth = [1_000, 3_000, 10_000, 30_000, 100_000, 400_000][variant - 2]!;
    const nested = new Uint8Array(depth * 2 + 2);
    for (let i = 0; i < depth; i++) nested.set([117, 1], i * 2);
    nested.set([119, 0], depth * 2);
    const out = new Uint8Array(update.length - marker.length + nested.length);
    out.set(update.subarray(0, at));
    out.set(nested, at);
    out.set(update.subarray(at + marker.length), at + nested.length);
    return updateMessage(out);
  }

  /** Valid sync framing around random bytes, a mutated update, or an update out of order. */
  #garbageUpdateMessage(): Uint8Array {
    const r = this.random;
    const syncType = r.pick([syncProtocol.messageYjsSyncStep2, syncProtocol.messageYjsUpdate]);
    let body: Uint8Array;
    switch (r.int(4)) {
      case 0:
        body = this.#randomBytes();
        break;
      case 1:
        body = this.#mutate(r.pick(this.#updates));
        break;
      case 2:
        // The second update of a client without the first, as a step 2.
        body = r.pick(this.#outOfOrder);
        break;
      default:
        try {
          body = Y.mergeUpdates([r.pick(this.#updates), this.#mutate(r.pick(this.#updates))]);
        } catch {
          body = this.#mutate(r.pick(this.#updates)); // merging the mutant failed here already
        }
    }
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, YMessageType.sync);
    encoding.writeVarUint(encoder, syncType);
    encoding.writeVarUint8Array(encoder, body);
    return encoding.toUint8Array(encoder);
  }

  /** An awareness update with many clients, big or invalid states, or a query flood. */
  #awarenessFlood(): Uint8Array {
    const r = this.random;
    const encoder = encoding.createEncoder();
    if (r.int(5) === 0) {
      encoding.writeVarUint(encoder, YMessageType.queryAwareness);
      return encoding.toUint8Array(encoder);
    }
    const big = r.int(3) === 0;
    if (big && this.#floods.length >= 4) return r.pick(this.#floods);
    const inner = encoding.createEncoder();
    const clients = 1 + r.int(big ? 2_000 : 50);
    encoding.writeVarUint(inner, clients);
    for (let i = 0; i < clients; i++) {
      encoding.writeVarUint(inner, r.int(2 ** 31));
      encoding.writeVarUint(inner, r.int(1000));
      const state = r.int(4);
      encoding.writeVarString(
        inner,
        state === 0
          ? 'null'
          : state === 1
            ? '{not json'
            : JSON.stringify({ user: { name: 'x'.repeat(r.int(state === 2 ? 64 : 4_000)) } }),
      );
    }
    encoding.writeVarUint(encoder, YMessageType.awareness);
    encoding.writeVarUint8Array(encoder, encoding.toUint8Array(inner));
    const flood = encoding.toUint8Array(encoder);
    if (big) this.#floods.push(flood);
    return flood;
  }

  #validYMessage(): Uint8Array {
    const r = this.random;
    switch (r.int(3)) {
      case 0: {
        const encoder = encoding.createEncoder();
        encoding.writeVarUint(encoder, YMessageType.sync);
        syncProtocol.writeSyncStep1(encoder, this.#doc());
        return encoding.toUint8Array(encoder);
      }
      case 1: {
        const awareness = new awarenessProtocol.Awareness(this.#doc());
        awareness.setLocalState({ user: { name: 'fuzz' } });
        const encoder = encoding.createEncoder();
        encoding.writeVarUint(encoder, YMessageType.awareness);
        encoding.writeVarUint8Array(
          encoder,
          awarenessProtocol.encodeAwarenessUpdate(awareness, [awareness.clientID]),
        );
        awareness.destroy();
        return encoding.toUint8Array(encoder);
      }
      default:
        return updateMessage(r.pick(this.#updates));
    }
  }

  #validSyncFrame(docId: string): Uint8Array {
    const r = this.random;
    switch (r.int(4)) {
      case 0:
        return encodeClientMessage({ type: MessageType.hello, protocolVersion: PROTOCOL_VERSION });
      case 1:
        return encodeClientMessage({ type: MessageType.subscribe, docId });
      case 2:
        return encodeClientMessage({
          type: MessageType.catchUp,
          workspaceId: this.workspaceId,
          sinceSeq: 0,
          generation: '',
        });
      default:
        return encodeDocFrame(docId, this.#validYMessage());
    }
  }

  /** Flips, drops, inserts or truncates a few bytes. */
  #mutate(bytes: Uint8Array): Uint8Array {
    const r = this.random;
    const out = Array.from(bytes);
    for (let n = 1 + r.int(3); n > 0; n--) {
      const at = r.int(out.length + 1);
      switch (r.int(4)) {
        case 0:
          if (at < out.length) out[at] = out[at]! ^ (1 << r.int(8));
          break;
        case 1:
          out.splice(at, 1);
          break;
        case 2:
          out.splice(at, 0, r.int(256));
          break;
        default:
          out.length = Math.min(out.length, at);
      }
    }
    return Uint8Array.from(out);
  }

  /** A doc whose client id comes from the seed (a replay writes the same structs). */
  #doc(): Y.Doc {
    const doc = new Y.Doc();
    doc.clientID = 1 + this.random.int(2 ** 31);
    return doc;
  }

  /** A self-contained update: a fresh client writing a little into root types. */
  #freshUpdate(): Uint8Array {
    const r = this.random;
    const doc = this.#doc();
    doc.transact(() => {
      doc.getText('t').insert(0, 'fuzz'.repeat(1 + r.int(4)));
      doc.getMap('m').set(`k${r.int(10)}`, r.int(2) === 0 ? r.int(1000) : { v: [1, 'two'] });
      doc.getArray('a').push([r.int(100)]);
    });
    return Y.encodeStateAsUpdate(doc);
  }
}

function updateMessage(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, YMessageType.sync);
  syncProtocol.writeUpdate(encoder, update);
  return encoding.toUint8Array(encoder);
}

function indexOf(haystack: Uint8Array, needle: number[]): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  throw new Error('marker not found');
}
