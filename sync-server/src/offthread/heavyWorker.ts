import { parentPort } from 'node:worker_threads';
import { heavyOps, type HeavyOps } from './heavyOps.ts';

/** Entry of the HeavyYjs worker thread: runs one op per message, answers with its id. */
interface Request {
  id: number;
  kind: keyof HeavyOps;
  args: unknown[];
}

parentPort!.on('message', (request: Request) => {
  try {
    const op = heavyOps[request.kind] as (...args: unknown[]) => unknown;
    parentPort!.postMessage({ id: request.id, ok: true, result: op(...request.args) });
  } catch (err) {
    parentPort!.postMessage({
      id: request.id,
      ok: false,
      message: err instanceof Error ? (err.stack ?? err.message) : String(err),
    });
  }
});
parentPort!.postMessage({ ready: true });
