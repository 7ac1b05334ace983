import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BlobTooLargeError, type BlobStorage } from '../blobs/BlobStorage.ts';
import { TYPE_SAMPLE_BYTES } from '../blobs/contentType.ts';

/** A fresh, empty storage per test, and how to throw it away. */
export interface StorageUnderTest {
  readonly storage: BlobStorage;
  close(): Promise<void> | void;
}

/** Byte-for-byte equal (vitest's deep equality is slow on large arrays and picky on Buffer). */
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

const sha = (bytes: Uint8Array) => crypto.createHash('sha256').update(bytes).digest('hex');

/** `bytes` as a stream of `chunk`-sized pieces, as an upload arrives. */
function body(bytes: Uint8Array, chunk = 16 * 1024): Readable {
  const pieces: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk)
    pieces.push(Buffer.from(bytes.subarray(i, i + chunk)));
  return Readable.from(pieces);
}

function bytesOf(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed) % 256;
  return out;
}

/**
 * The behaviour every BlobStorage must have (STYLE.md: one contract suite per seam). Run it
 * beside each implementation's own tests with a factory for an empty storage.
 */
export function describeBlobStorageContract(
  name: string,
  make: () => Promise<StorageUnderTest> | StorageUnderTest,
): void {
  describe(`BlobStorage contract: ${name}`, () => {
    let under: StorageUnderTest;
    let storage: BlobStorage;
    beforeEach(async () => {
      under = await make();
      storage = under.storage;
    });
    afterEach(() => under.close());

    it('stores bytes under their SHA-256 and gives them back', async () => {
      const bytes = bytesOf(100_000);
      const stored = await storage.put(body(bytes), 1_000_000);
      expect(stored).toEqual({ sha256: sha(bytes), size: bytes.length });
      expect(await storage.has(stored.sha256)).toBe(true);
      expect(same(await buffer(await storage.open(stored.sha256)), bytes)).toBe(true);
    });

    it('stores an empty file', async () => {
      const stored = await storage.put(Readable.from([]), 10);
      expect(stored).toEqual({ sha256: sha(new Uint8Array()), size: 0 });
      expect((await buffer(await storage.open(stored.sha256))).length).toBe(0);
    });

    it('answers the same address for the same content, twice or at once', async () => {
      const bytes = bytesOf(50_000, 7);
      const [a, b] = await Promise.all([
        storage.put(body(bytes), 1_000_000),
        storage.put(body(bytes), 1_000_000),
      ]);
      const c = await storage.put(body(bytes), 1_000_000);
      expect(a).toEqual(b);
      expect(c).toEqual(a);
      expect(same(await buffer(await storage.open(a.sha256)), bytes)).toBe(true);
    });

    it('gives back an inclusive byte range', async () => {
      const bytes = bytesOf(1000, 3);
      const { sha256 } = await storage.put(body(bytes, 100), 1000);
      const part = await buffer(await storage.open(sha256, { start: 250, end: 749 }));
      expect(same(part, bytes.slice(250, 750))).toBe(true);
      const last = await buffer(await storage.open(sha256, { start: 999, end: 999 }));
      expect([...last]).toEqual([bytes[999]]);
    });

    it('deletes stored bytes for good, and deleting what is not there succeeds', async () => {
      const bytes = bytesOf(2000, 11);
      const { sha256 } = await storage.put(body(bytes), 10_000);
      await storage.delete(sha256);
      expect(await storage.has(sha256)).toBe(false);
      await expect(storage.open(sha256)).rejects.toThrow();
      await storage.delete(sha256);
    });

    it('lists what it holds by the time it was stored, and forgets what it deleted', async () => {
      const before = Date.now() - 60_000;
      const kept = await storage.put(body(bytesOf(3000, 21)), 10_000);
      const deleted = await storage.put(body(bytesOf(3000, 22)), 10_000);
      await storage.delete(deleted.sha256);
      // Bounds a minute either side: storages stamp in their own resolution (S3: seconds).
      expect(await storage.storedBefore(Date.now() + 60_000)).toEqual([kept.sha256]);
      expect(await storage.storedBefore(before)).toEqual([]);
    });

    it('knows nothing of content it was never given', async () => {
      const unknown = sha(bytesOf(10, 99));
      expect(await storage.has(unknown)).toBe(false);
      await expect(storage.open(unknown)).rejects.toThrow();
    });

    it('refuses a body one byte over the limit and keeps nothing of it', async () => {
      const bytes = bytesOf(10_001, 5);
      await expect(storage.put(body(bytes, 1000), 10_000)).rejects.toBeInstanceOf(
        BlobTooLargeError,
      );
      expect(await storage.has(sha(bytes))).toBe(false);
      const exact = bytes.subarray(0, 10_000);
      expect((await storage.put(body(exact, 1000), 10_000)).size).toBe(10_000);
    });

    it('shows the first bytes to inspect, and keeps nothing when it refuses', async () => {
      const bytes = bytesOf(TYPE_SAMPLE_BYTES * 2, 9);
      let seen: Uint8Array | undefined;
      await expect(
        storage.put(body(bytes), 1_000_000, (sample) => {
          seen = sample;
          throw new Error('refused by inspect');
        }),
      ).rejects.toThrow('refused by inspect');
      expect(seen && same(seen, bytes.subarray(0, TYPE_SAMPLE_BYTES))).toBe(true);
      expect(await storage.has(sha(bytes))).toBe(false);
    });

    it('keeps nothing of a body that fails midway (a client that went away)', async () => {
      const bytes = bytesOf(40_000, 11);
      const broken = Readable.from(
        (async function* () {
          yield Buffer.from(bytes.subarray(0, 20_000));
          throw Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
        })(),
      );
      await expect(storage.put(broken, 1_000_000)).rejects.toThrow('aborted');
      expect(await storage.has(sha(bytes))).toBe(false);
      expect(await storage.has(sha(bytes.subarray(0, 20_000)))).toBe(false);
    });
  });
}
