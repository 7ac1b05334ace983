import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { assertNever } from './assertNever.ts';
import { ALL_DOC_ERROR_CODES, DocAccess, MessageType } from './constants.ts';
import { MAX_DOC_ID_LENGTH } from './docId.ts';
import type { DocErrorCode } from './constants.ts';
import type { ClientMessage, ServerMessage } from './messages.ts';

/** A frame that does not decode to a valid message. The receiver closes with 4400. */
export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

const MAX_CHANGED_DOCS = 1_000_000;
const MAX_DISABLED_ITEMS = 1_000_000;
/** `doc:` + a doc id + `#` + an entry id (or `blob:` + a SHA-256). */
const MAX_ITEM_KEY_LENGTH = 2 * MAX_DOC_ID_LENGTH;

// ── encoding ────────────────────────────────────────────────────────────────────────────

/** Encodes a doc frame; `payload` is a complete y-protocols message. */
export function encodeDocFrame(docId: string, payload: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.doc);
  encoding.writeVarString(encoder, docId);
  encoding.writeUint8Array(encoder, payload);
  return encoding.toUint8Array(encoder);
}

/** Encodes a docChunk frame: `bytes` is the piece at `offset` of a `total`-byte message. */
export function encodeDocChunk(
  docId: string,
  total: number,
  offset: number,
  bytes: Uint8Array,
): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.docChunk);
  encoding.writeVarString(encoder, docId);
  encoding.writeVarUint(encoder, total);
  encoding.writeVarUint(encoder, offset);
  encoding.writeUint8Array(encoder, bytes);
  return encoding.toUint8Array(encoder);
}

export function encodeClientMessage(message: ClientMessage): Uint8Array {
  if (message.type === MessageType.doc) return encodeDocFrame(message.docId, message.payload);
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, message.type);
  switch (message.type) {
    case MessageType.hello:
      encoding.writeVarUint(encoder, message.protocolVersion);
      break;
    case MessageType.subscribe:
      encoding.writeVarString(encoder, message.docId);
      // Protocol 5: the replica's age stamp, only when there is one.
      if (message.replicaSyncedAt !== undefined) {
        encoding.writeVarUint(encoder, Math.max(0, Math.floor(message.replicaSyncedAt)));
      }
      break;
    case MessageType.unsubscribe:
      encoding.writeVarString(encoder, message.docId);
      break;
    case MessageType.catchUp:
      encoding.writeVarString(encoder, message.workspaceId);
      encoding.writeVarUint(encoder, message.sinceSeq);
      encoding.writeVarString(encoder, message.generation);
      break;
    case MessageType.ping:
      encoding.writeVarUint(encoder, message.nonce);
      break;
    default:
      assertNever(message, 'message');
  }
  return encoding.toUint8Array(encoder);
}

export function encodeServerMessage(message: ServerMessage): Uint8Array {
  if (message.type === MessageType.doc) return encodeDocFrame(message.docId, message.payload);
  if (message.type === MessageType.docChunk) {
    return encodeDocChunk(message.docId, message.total, message.offset, message.bytes);
  }
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, message.type);
  switch (message.type) {
    case MessageType.welcome:
      encoding.writeVarUint(encoder, message.protocolVersion);
      encoding.writeVarString(encoder, message.generation);
      encoding.writeVarString(encoder, message.userId);
      break;
    case MessageType.subscribed:
      encoding.writeVarString(encoder, message.docId);
      encoding.writeVarUint(encoder, message.access);
      if (message.limits) {
        // Each as value + 1; 0 is "no limit".
        for (const value of [
          message.limits.maxDocBytes,
          message.limits.maxTickets,
          message.limits.messagesPerMinute,
        ]) {
          encoding.writeVarUint(encoder, value === null ? 0 : value + 1);
        }
      }
      break;
    case MessageType.docError:
      encoding.writeVarString(encoder, message.docId);
      encoding.writeVarString(encoder, message.code);
      encoding.writeVarString(encoder, message.message);
      if (message.retryAfterMs !== undefined) {
        encoding.writeVarUint(encoder, Math.max(0, Math.ceil(message.retryAfterMs)));
      }
      break;
    case MessageType.ack:
      encoding.writeVarString(encoder, message.docId);
      encoding.writeVarUint(encoder, message.count);
      break;
    case MessageType.catchUpResult:
      encoding.writeVarString(encoder, message.workspaceId);
      encoding.writeVarString(encoder, message.generation);
      encoding.writeVarUint(encoder, message.seq);
      encoding.writeVarUint(encoder, message.full ? 1 : 0);
      encoding.writeVarUint(encoder, message.changed.length);
      for (const { docId, seq } of message.changed) {
        encoding.writeVarString(encoder, docId);
        encoding.writeVarUint(encoder, seq);
      }
      // Protocol 5: the server's clock; encoded only when given (older clients never get it).
      if (message.serverTime !== undefined) {
        encoding.writeVarUint(encoder, Math.max(0, Math.floor(message.serverTime)));
      }
      break;
    case MessageType.error:
      encoding.writeVarUint(encoder, message.code);
      encoding.writeVarString(encoder, message.message);
      break;
    case MessageType.pong:
      encoding.writeVarUint(encoder, message.nonce);
      break;
    case MessageType.disabledItems:
      encoding.writeVarString(encoder, message.workspaceId);
      encoding.writeVarUint(encoder, message.items.length);
      for (const { itemKey, reason } of message.items) {
        encoding.writeVarString(encoder, itemKey);
        encoding.writeVarString(encoder, reason);
      }
      break;
    default:
      assertNever(message, 'message');
  }
  return encoding.toUint8Array(encoder);
}

// ── decoding ────────────────────────────────────────────────────────────────────────────

/** Decodes and validates one client frame; throws ProtocolError on anything malformed. */
export function decodeClientMessage(frame: Uint8Array): ClientMessage {
  return guard(frame, (decoder, type) => {
    switch (type) {
      case MessageType.doc:
        return { type, docId: readDocId(decoder), payload: readRest(decoder) };
      case MessageType.hello:
        return end(decoder, { type, protocolVersion: decoding.readVarUint(decoder) });
      case MessageType.subscribe: {
        const docId = readDocId(decoder);
        // Protocol 5: an optional age stamp of the client's replica follows.
        if (!decoding.hasContent(decoder)) return { type, docId };
        return end(decoder, { type, docId, replicaSyncedAt: decoding.readVarUint(decoder) });
      }
      case MessageType.unsubscribe:
        return end(decoder, { type, docId: readDocId(decoder) });
      case MessageType.catchUp:
        return end(decoder, {
          type,
          // Non-empty like a doc id: a refused catch-up is answered by a docError naming the
          // workspace, and a docError with an empty doc id is itself malformed.
          workspaceId: readDocId(decoder),
          sinceSeq: decoding.readVarUint(decoder),
          generation: readShortString(decoder),
        });
      case MessageType.ping:
        return end(decoder, { type, nonce: decoding.readVarUint(decoder) });
      default:
        throw new ProtocolError(`unknown client message type ${type}`);
    }
  });
}

/** Decodes and validates one server frame; throws ProtocolError on anything malformed. */
export function decodeServerMessage(frame: Uint8Array): ServerMessage {
  return guard(frame, (decoder, type) => {
    switch (type) {
      case MessageType.doc:
        return { type, docId: readDocId(decoder), payload: readRest(decoder) };
      case MessageType.docChunk: {
        const docId = readDocId(decoder);
        const total = decoding.readVarUint(decoder);
        const offset = decoding.readVarUint(decoder);
        const bytes = readRest(decoder);
        if (offset + bytes.length > total) throw new ProtocolError('chunk past its message');
        return { type, docId, total, offset, bytes };
      }
      case MessageType.welcome:
        return end(decoder, {
          type,
          protocolVersion: decoding.readVarUint(decoder),
          generation: readShortString(decoder),
          userId: readShortString(decoder),
        });
      case MessageType.subscribed: {
        const docId = readDocId(decoder);
        const access = decoding.readVarUint(decoder);
        if (access !== DocAccess.read && access !== DocAccess.write) {
          throw new ProtocolError(`unknown access ${access}`);
        }
        if (!decoding.hasContent(decoder)) return { type, docId, access };
        // Protocol 3: the write limits follow, each as value + 1 (0: none).
        const limit = () => {
          const value = decoding.readVarUint(decoder);
          return value === 0 ? null : value - 1;
        };
        const limits = { maxDocBytes: limit(), maxTickets: limit(), messagesPerMinute: limit() };
        return end(decoder, { type, docId, access, limits });
      }
      case MessageType.docError: {
        const docId = readDocId(decoder);
        const code = readShortString(decoder);
        if (!ALL_DOC_ERROR_CODES.has(code)) throw new ProtocolError(`unknown doc error ${code}`);
        const message = decoding.readVarString(decoder);
        // Protocol 3: an optional retry delay follows (rate_limited).
        if (!decoding.hasContent(decoder)) {
          return { type, docId, code: code as DocErrorCode, message };
        }
        return end(decoder, {
          type,
          docId,
          code: code as DocErrorCode,
          message,
          retryAfterMs: decoding.readVarUint(decoder),
        });
      }
      case MessageType.ack:
        return end(decoder, {
          type,
          docId: readDocId(decoder),
          count: decoding.readVarUint(decoder),
        });
      case MessageType.catchUpResult: {
        const workspaceId = readShortString(decoder);
        const generation = readShortString(decoder);
        const seq = decoding.readVarUint(decoder);
        const full = decoding.readVarUint(decoder) === 1;
        const count = decoding.readVarUint(decoder);
        if (count > MAX_CHANGED_DOCS) throw new ProtocolError('too many changed docs');
        const changed = [];
        for (let i = 0; i < count; i++) {
          changed.push({ docId: readDocId(decoder), seq: decoding.readVarUint(decoder) });
        }
        // Protocol 5: the server's clock may follow.
        if (!decoding.hasContent(decoder)) {
          return { type, workspaceId, generation, seq, full, changed };
        }
        const serverTime = decoding.readVarUint(decoder);
        return end(decoder, { type, workspaceId, generation, seq, full, changed, serverTime });
      }
      case MessageType.error:
        return end(decoder, {
          type,
          code: decoding.readVarUint(decoder),
          message: decoding.readVarString(decoder),
        });
      case MessageType.pong:
        return end(decoder, { type, nonce: decoding.readVarUint(decoder) });
      case MessageType.disabledItems: {
        const workspaceId = readDocId(decoder);
        const count = decoding.readVarUint(decoder);
        if (count > MAX_DISABLED_ITEMS) throw new ProtocolError('too many disabled items');
        const items = [];
        for (let i = 0; i < count; i++) {
          const itemKey = decoding.readVarString(decoder);
          if (itemKey.length === 0 || itemKey.length > MAX_ITEM_KEY_LENGTH) {
            throw new ProtocolError('bad item key');
          }
          items.push({ itemKey, reason: decoding.readVarString(decoder) });
        }
        return end(decoder, { type, workspaceId, items });
      }
      default:
        throw new ProtocolError(`unknown server message type ${type}`);
    }
  });
}

function guard<T>(frame: Uint8Array, read: (decoder: decoding.Decoder, type: number) => T): T {
  if (frame.length === 0) throw new ProtocolError('empty frame');
  const decoder = decoding.createDecoder(frame);
  try {
    return read(decoder, decoding.readVarUint(decoder));
  } catch (err) {
    if (err instanceof ProtocolError) throw err;
    // lib0 throws plain Errors on truncated input; they all mean "malformed".
    throw new ProtocolError(`malformed frame: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function readDocId(decoder: decoding.Decoder): string {
  const docId = readShortString(decoder);
  if (docId.length === 0) throw new ProtocolError('empty doc id');
  return docId;
}

function readShortString(decoder: decoding.Decoder): string {
  const value = decoding.readVarString(decoder);
  if (value.length > MAX_DOC_ID_LENGTH) throw new ProtocolError('string field too long');
  return value;
}

function readRest(decoder: decoding.Decoder): Uint8Array {
  const rest = decoder.arr.subarray(decoder.pos);
  if (rest.length === 0) throw new ProtocolError('doc frame without payload');
  decoder.pos = decoder.arr.length;
  return rest;
}

function end<T>(decoder: decoding.Decoder, message: T): T {
  if (decoding.hasContent(decoder)) throw new ProtocolError('trailing bytes after message');
  return message;
}
