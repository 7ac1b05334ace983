import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import { describe, expect, it } from 'vitest';
import {
  decodeServerMessage,
  DocChunkAssembler,
  MessageType,
  type DocChunkMessage,
} from '@desk/protocol';
import { docChunkFrames, syncMessage } from './yMessages.ts';

describe('syncMessage', () => {
  it('writes the same bytes as y-protocols for bodies of every length class', () => {
    for (const length of [0, 1, 127, 128, 16_383, 16_384, 2_097_152]) {
      const body = new Uint8Array(length).fill(7);
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, 0);
      syncProtocol.writeUpdate(encoder, body);
      expect(Buffer.compare(syncMessage(2, body), encoding.toUint8Array(encoder))).toBe(0);
      const decoder = decoding.createDecoder(syncMessage(2, body));
      decoding.readVarUint(decoder);
      decoding.readVarUint(decoder);
      expect(decoding.readVarUint8Array(decoder).byteLength).toBe(length);
    }
  });
});

describe('docChunkFrames', () => {
  it('CHUNK-1 cuts a message into docChunk frames the protocol codec decodes and reassembles', () => {
    const payload = Uint8Array.from({ length: 70_000 }, (_, i) => i % 251);
    const frames = [...docChunkFrames('w1:index', payload, 16_384)];
    expect(frames).toHaveLength(5);
    const assembler = new DocChunkAssembler();
    let whole: Uint8Array | null = null;
    for (const frame of frames) {
      const message = decodeServerMessage(frame);
      expect(message).toMatchObject({ type: MessageType.docChunk, docId: 'w1:index' });
      whole = assembler.add(message as DocChunkMessage);
    }
    expect(Buffer.compare(whole!, payload)).toBe(0);
  });
});
