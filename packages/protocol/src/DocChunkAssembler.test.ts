import { describe, expect, it } from 'vitest';
import { MessageType } from './constants.ts';
import { ChunkError, ChunkErrorCode, DocChunkAssembler } from './DocChunkAssembler.ts';
import type { DocChunkMessage } from './messages.ts';

/** The docChunk frames a sender cuts `message` into, `size` bytes each. */
function cut(docId: string, message: Uint8Array, size: number): DocChunkMessage[] {
  const chunks: DocChunkMessage[] = [];
  for (let offset = 0; offset < message.length; offset += size) {
    chunks.push({
      type: MessageType.docChunk,
      docId,
      total: message.length,
      offset,
      bytes: message.subarray(offset, offset + size),
    });
  }
  return chunks;
}

const message = (length: number, seed: number) =>
  Uint8Array.from({ length }, (_, i) => (i * 31 + seed) % 251);

function codeOf(run: () => unknown): ChunkErrorCode | null {
  try {
    run();
    return null;
  } catch (err) {
    expect(err).toBeInstanceOf(ChunkError);
    return (err as ChunkError).code;
  }
}

describe('DocChunkAssembler', () => {
  it('CHUNK-2 gives back the whole message once its last piece arrived, pieces of two docs interleaved', () => {
    const assembler = new DocChunkAssembler();
    const a = message(1000, 1);
    const b = message(333, 2);
    const chunksA = cut('w:a', a, 128);
    const chunksB = cut('w:b', b, 100);
    const done: Record<string, Uint8Array> = {};
    for (let i = 0; i < Math.max(chunksA.length, chunksB.length); i++) {
      for (const chunk of [chunksA[i], chunksB[i]]) {
        if (!chunk) continue;
        const whole = assembler.add(chunk);
        if (whole) done[chunk.docId] = whole;
      }
    }
    expect(done['w:a']).toEqual(a);
    expect(done['w:b']).toEqual(b);
    expect(assembler.heldBytes).toBe(0);
  });

  it('hands a message that fits one piece straight through', () => {
    const whole = message(10, 3);
    const chunk = { type: MessageType.docChunk, docId: 'w:a', total: 10, offset: 0, bytes: whole };
    expect(new DocChunkAssembler(5).add(chunk)).toBe(whole);
  });

  it('CHUNK-2 starts over when a new message begins before the last one ended', () => {
    const assembler = new DocChunkAssembler();
    const first = cut('w:a', message(300, 1), 100);
    assembler.add(first[0]!);
    const second = message(250, 9);
    let whole: Uint8Array | null = null;
    for (const chunk of cut('w:a', second, 100)) whole = assembler.add(chunk);
    expect(whole).toEqual(second);
    expect(assembler.heldBytes).toBe(0);
  });

  it('CHUNK-2 refuses a piece that does not continue its message', () => {
    const assembler = new DocChunkAssembler();
    const chunks = cut('w:a', message(300, 1), 100);
    expect(codeOf(() => assembler.add(chunks[1]!))).toBe(ChunkErrorCode.outOfOrder);
    assembler.add(chunks[0]!);
    expect(codeOf(() => assembler.add(chunks[2]!))).toBe(ChunkErrorCode.outOfOrder);
  });

  it('CHUNK-3 refuses a message past its memory bound, skips the rest of it, and takes the next', () => {
    const assembler = new DocChunkAssembler(500);
    const held = cut('w:a', message(400, 1), 100);
    assembler.add(held[0]!);
    const tooBig = cut('w:b', message(200, 2), 100);
    expect(codeOf(() => assembler.add(tooBig[0]!))).toBe(ChunkErrorCode.tooLarge);
    expect(assembler.add(tooBig[1]!)).toBeNull();
    expect(assembler.heldBytes).toBe(400);
    assembler.drop('w:a');
    const fits = message(200, 3);
    let whole: Uint8Array | null = null;
    for (const chunk of cut('w:b', fits, 100)) whole = assembler.add(chunk);
    expect(whole).toEqual(fits);
  });
});
