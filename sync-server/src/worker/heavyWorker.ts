import { parentPort } from 'node:worker_threads';
import { heavyOps, type HeavyOps } from './heavyOps.ts';

/**
 * Entry of the HeavyYjs worker thread (offthread/HeavyYjs.ts): runs one op per message,
 * answers with its id.
 */
interface Request {
  id: number;
  kind: keyof HeavyOps;
  args: unknown[];
}

parentPort!.on('message', (request: Request) => {
  try {
    const op = heavyOps[request.kind] as (...args: unknown[]) => unknown;
    const result = op(...request.args);
    // Results are moved, not copied: a first sync of a large doc is tens of MB, and a copy
    // would be made on the main thread when the message is received.
    parentPort!.postMessage({ id: request.id, ok: true, result }, transferables(result));
  } catch (err) {
    parentPort!.postMessage({
      id: request.id,
      ok: false,
      message: err instanceof Error ? (err.stack ?? err.message) : String(err),
    });
  }
});
parentPort!.postMessage({ ready: true });

/** The buffers of the byte arrays in a result (itself, or its fields), each once. */
function transferables(result: unknown): ArrayBuffer[] {
  const values =
    result instanceof Uint8Array
      ? [result]
      : result !== null && typeof result === 'object'
        ? Object.values(result)
        : [];
  const buffers = new Set<ArrayBuffer>();
  for (const value of values) {
    if (value instanceof Uint8Array && value.buffer instanceof ArrayBuffer)
      buffers.add(value.buffer);
  }
  return [...buffers];
}
