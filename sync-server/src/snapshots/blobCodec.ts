import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { deflateRaw, inflateRaw } from 'node:zlib';

const deflate = promisify(deflateRaw);
const inflate = promisify(inflateRaw);

/** The content address of a document state: SHA-256 of its encoded bytes, hex. */
export function hashState(state: Uint8Array): string {
  return createHash('sha256').update(state).digest('hex');
}

/**
 * Compresses a state for storage. The async zlib call runs on libuv's thread pool, so a
 * large document does not hold the event loop.
 */
export function packState(state: Uint8Array): Promise<Buffer> {
  return deflate(state, { level: 6 });
}

export async function unpackState(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await inflate(data));
}
