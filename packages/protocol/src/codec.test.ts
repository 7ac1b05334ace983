import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import { DocAccess, DocErrorCode, MessageType } from './constants.ts';
import {
  decodeClientMessage,
  decodeServerMessage,
  encodeClientMessage,
  encodeServerMessage,
  ProtocolError,
} from './codec.ts';
import type { ClientMessage, ServerMessage } from './messages.ts';

const docId = 'abc123:ticket:t1';
const payload = new Uint8Array([0, 2, 3, 1, 2, 3]);

const clientMessages: ClientMessage[] = [
  { type: MessageType.doc, docId, payload },
  { type: MessageType.hello, protocolVersion: 1 },
  { type: MessageType.subscribe, docId },
  { type: MessageType.subscribe, docId, replicaSyncedAt: 1_796_000_000_123 },
  { type: MessageType.unsubscribe, docId },
  { type: MessageType.catchUp, workspaceId: 'abc123', sinceSeq: 4711, generation: 'g-1' },
  { type: MessageType.ping, nonce: 0 },
  { type: MessageType.ping, nonce: 2 ** 31 + 7 },
];

const serverMessages: ServerMessage[] = [
  { type: MessageType.doc, docId, payload },
  { type: MessageType.welcome, protocolVersion: 1, generation: 'g-1', userId: 'u1' },
  { type: MessageType.subscribed, docId, access: DocAccess.write },
  { type: MessageType.subscribed, docId, access: DocAccess.read },
  {
    type: MessageType.subscribed,
    docId,
    access: DocAccess.write,
    limits: { maxDocBytes: 5 * 1024 * 1024, maxTickets: 0, messagesPerMinute: null },
  },
  {
    type: MessageType.docError,
    docId,
    code: DocErrorCode.workspaceReadOnly,
    message: 'The trial has ended.',
  },
  {
    type: MessageType.docError,
    docId,
    code: DocErrorCode.rateLimited,
    message: 'Too many changes at once.',
    retryAfterMs: 250,
  },
  { type: MessageType.ack, docId, count: 3 },
  {
    type: MessageType.catchUpResult,
    workspaceId: 'abc123',
    generation: 'g-2',
    seq: 99,
    full: false,
    changed: [
      { docId, seq: 98 },
      { docId: 'abc123:index', seq: 99 },
    ],
  },
  {
    type: MessageType.catchUpResult,
    workspaceId: 'abc123',
    generation: 'g-2',
    seq: 99,
    full: true,
    changed: [],
    serverTime: 1_796_000_000_123,
  },
  {
    type: MessageType.docError,
    docId,
    code: DocErrorCode.replicaTooOld,
    message: 'This device was offline too long.',
  },
  { type: MessageType.error, code: 4413, message: 'Message too large' },
  { type: MessageType.docChunk, docId, total: 300_000, offset: 0, bytes: payload },
  { type: MessageType.docChunk, docId, total: 300_000, offset: 299_994, bytes: payload },
  { type: MessageType.pong, nonce: 0 },
  { type: MessageType.pong, nonce: 2 ** 31 + 7 },
  {
    type: MessageType.docError,
    docId,
    code: DocErrorCode.contentDisabled,
    message: 'Infringes a registered trade mark (notice 2026-114).',
  },
  { type: MessageType.disabledItems, workspaceId: 'abc123', items: [] },
  {
    type: MessageType.disabledItems,
    workspaceId: 'abc123',
    items: [
      { itemKey: `doc:${docId}`, reason: 'Harassment — report 7' },
      { itemKey: `doc:abc123:channel:c1#m9`, reason: '' },
      { itemKey: `blob:${'a'.repeat(64)}`, reason: 'Leaked personal data' },
    ],
  },
];

describe('protocol codec', () => {
  it.each(clientMessages.map((m) => [m.type, m] as const))(
    'round-trips client message type %i',
    (_type, message) => {
      expect(decodeClientMessage(encodeClientMessage(message))).toEqual(message);
    },
  );

  it.each(serverMessages.map((m) => [m.type, m] as const))(
    'round-trips server message type %i',
    (_type, message) => {
      expect(decodeServerMessage(encodeServerMessage(message))).toEqual(message);
    },
  );

  it('keeps the y-protocols bytes of a doc frame untouched after the doc id', () => {
    const frame = encodeClientMessage({ type: MessageType.doc, docId, payload });
    expect(Array.from(frame.subarray(frame.length - payload.length))).toEqual(Array.from(payload));
  });

  it('rejects an empty frame', () => {
    expect(() => decodeClientMessage(new Uint8Array())).toThrow(ProtocolError);
  });

  it('rejects an unknown message type', () => {
    expect(() => decodeClientMessage(new Uint8Array([99]))).toThrow(ProtocolError);
    expect(() => decodeServerMessage(new Uint8Array([77]))).toThrow(ProtocolError);
  });

  it('rejects server-only messages sent by a client', () => {
    const frame = encodeServerMessage({ type: MessageType.ack, docId, count: 1 });
    expect(() => decodeClientMessage(frame)).toThrow(ProtocolError);
  });

  it('rejects truncated frames', () => {
    const frame = encodeClientMessage({
      type: MessageType.catchUp,
      workspaceId: 'abc123',
      sinceSeq: 100000,
      generation: 'gen',
    });
    for (let cut = 1; cut < frame.length; cut++) {
      expect(() => decodeClientMessage(frame.subarray(0, cut))).toThrow(ProtocolError);
    }
  });

  it('rejects a catch-up for an empty workspace id (its refusal could not name it)', () => {
    const frame = encodeClientMessage({
      type: MessageType.catchUp,
      workspaceId: '',
      sinceSeq: 0,
      generation: '',
    });
    expect(() => decodeClientMessage(frame)).toThrow(ProtocolError);
  });

  it('rejects trailing bytes after a control message', () => {
    const frame = encodeClientMessage({ type: MessageType.unsubscribe, docId });
    const padded = new Uint8Array([...frame, 0]);
    expect(() => decodeClientMessage(padded)).toThrow(ProtocolError);
    // subscribe takes one optional varUint (protocol 5: the replica's age stamp), no more.
    const subscribe = encodeClientMessage({ type: MessageType.subscribe, docId });
    expect(() => decodeClientMessage(new Uint8Array([...subscribe, 1, 0]))).toThrow(ProtocolError);
  });

  it('rejects a doc frame without a y-protocols payload', () => {
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MessageType.doc);
    encoding.writeVarString(encoder, docId);
    expect(() => decodeClientMessage(encoding.toUint8Array(encoder))).toThrow(ProtocolError);
  });

  it('rejects an over-long doc id', () => {
    const frame = encodeClientMessage({ type: MessageType.subscribe, docId: 'x'.repeat(500) });
    expect(() => decodeClientMessage(frame)).toThrow(ProtocolError);
  });

  it('lays a docChunk out as type, doc id, total, offset, then the piece to the end', () => {
    const frame = encodeServerMessage({
      type: MessageType.docChunk,
      docId: 'w:index',
      total: 200,
      offset: 128,
      bytes: new Uint8Array([7, 8]),
    });
    // 116 · "w:index" · varUint 200 (0xc8 0x01) · varUint 128 (0x80 0x01) · 7 8
    expect(Array.from(frame)).toEqual([
      116,
      7,
      ...new TextEncoder().encode('w:index'),
      0xc8,
      0x01,
      0x80,
      0x01,
      7,
      8,
    ]);
  });

  it('lays ping and pong out as type then varUint nonce, and refuses each in the other direction', () => {
    const ping = encodeClientMessage({ type: MessageType.ping, nonce: 300 });
    const pong = encodeServerMessage({ type: MessageType.pong, nonce: 300 });
    expect(Array.from(ping)).toEqual([104, 0xac, 0x02]);
    expect(Array.from(pong)).toEqual([117, 0xac, 0x02]);
    expect(() => decodeServerMessage(ping)).toThrow(ProtocolError);
    expect(() => decodeClientMessage(pong)).toThrow(ProtocolError);
    expect(() => decodeClientMessage(new Uint8Array([104]))).toThrow(ProtocolError);
  });

  it('rejects a docChunk that is empty or reaches past its message', () => {
    const chunk = (total: number, offset: number, bytes: number[]) => {
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, MessageType.docChunk);
      encoding.writeVarString(encoder, docId);
      encoding.writeVarUint(encoder, total);
      encoding.writeVarUint(encoder, offset);
      encoding.writeUint8Array(encoder, new Uint8Array(bytes));
      return encoding.toUint8Array(encoder);
    };
    expect(() => decodeServerMessage(chunk(10, 0, []))).toThrow(ProtocolError);
    expect(() => decodeServerMessage(chunk(10, 9, [1, 2]))).toThrow(ProtocolError);
    expect(decodeServerMessage(chunk(10, 8, [1, 2]))).toMatchObject({ offset: 8, total: 10 });
  });

  it('rejects an unknown doc error code', () => {
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MessageType.docError);
    encoding.writeVarString(encoder, docId);
    encoding.writeVarString(encoder, 'made_up');
    encoding.writeVarString(encoder, 'x');
    expect(() => decodeServerMessage(encoding.toUint8Array(encoder))).toThrow(ProtocolError);
  });

  it('survives random garbage without throwing anything but ProtocolError', () => {
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 2000; i++) {
      const bytes = Uint8Array.from({ length: 1 + Math.floor(random() * 40) }, () =>
        Math.floor(random() * 256),
      );
      for (const decode of [decodeClientMessage, decodeServerMessage]) {
        try {
          decode(bytes);
        } catch (err) {
          expect(err, `seed 42, case ${i}`).toBeInstanceOf(ProtocolError);
        }
      }
    }
  });
});
