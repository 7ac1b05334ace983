import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { MessageType, YMessageType } from '@desk/protocol';

/**
 * The y-protocols messages the server builds (the payload of a doc frame, or a whole frame
 * on /yjs). Each is written straight into one Node Buffer, which `ws` sends without
 * wrapping or copying.
 */

/** Sync step 1: the server's state vector, asking the client for what the server lacks. */
export function syncStep1Message(doc: Y.Doc): Uint8Array {
  return syncMessage(syncProtocol.messageYjsSyncStep1, Y.encodeStateVector(doc));
}

/** A sync "update" message carrying `update`. */
export function updateMessage(update: Uint8Array): Uint8Array {
  return syncMessage(syncProtocol.messageYjsUpdate, update);
}

/** `varUint 0 (sync) · varUint syncType · varUint8Array body` in one buffer. */
export function syncMessage(syncType: number, body: Uint8Array): Uint8Array {
  const length = body.byteLength;
  const out = Buffer.allocUnsafe(2 + varUintSize(length) + length);
  out[0] = YMessageType.sync;
  out[1] = syncType;
  out.set(body, writeVarUint(out, 2, length));
  return out;
}

/** `varUint 0 (doc) · varString docId`: the prefix of every /sync doc frame for this doc. */
export function docFramePrefix(docId: string): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.doc);
  encoding.writeVarString(encoder, docId);
  return encoding.toUint8Array(encoder);
}

/** One buffer holding `prefix` then `payload`: a complete /sync doc frame. */
export function withPrefix(prefix: Uint8Array, payload: Uint8Array): Uint8Array {
  const frame = Buffer.allocUnsafe(prefix.byteLength + payload.byteLength);
  frame.set(prefix, 0);
  frame.set(payload, prefix.byteLength);
  return frame;
}

/**
 * The docChunk frames (SPEC.md, CHUNK) carrying `payload` for `docId`,
 * `chunkBytes` of it each, built one at a time as the sender asks for the next.
 */
export function* docChunkFrames(
  docId: string,
  payload: Uint8Array,
  chunkBytes: number,
): Generator<Uint8Array> {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.docChunk);
  encoding.writeVarString(encoder, docId);
  encoding.writeVarUint(encoder, payload.byteLength);
  const head = encoding.toUint8Array(encoder);
  for (let offset = 0; offset < payload.byteLength; offset += chunkBytes) {
    const piece = payload.subarray(offset, offset + chunkBytes);
    const frame = Buffer.allocUnsafe(head.byteLength + varUintSize(offset) + piece.byteLength);
    frame.set(head, 0);
    frame.set(piece, writeVarUint(frame, head.byteLength, offset));
    yield frame;
  }
}

function writeVarUint(out: Uint8Array, pos: number, value: number): number {
  let rest = value;
  while (rest > 0x7f) {
    out[pos++] = 0x80 | (rest & 0x7f);
    rest = Math.floor(rest / 128);
  }
  out[pos++] = rest;
  return pos;
}

function varUintSize(value: number): number {
  let size = 1;
  while (value > 0x7f) {
    size++;
    value = Math.floor(value / 128);
  }
  return size;
}
