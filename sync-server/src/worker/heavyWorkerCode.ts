import type { HeavyWorkerCode } from '../offthread/HeavyOpTable.ts';
import { heavyOps } from './heavyOps.ts';

/**
 * What the server's HeavyYjs runs: this registry, inline or on a worker thread started from
 * heavyWorker.ts. Kept apart from heavyOps.ts, which the worker bundle imports, because the
 * worker has no `import.meta.url` of its own.
 */
export const heavyWorkerCode: HeavyWorkerCode = {
  ops: heavyOps,
  entry: new URL('./heavyWorker.ts', import.meta.url),
};
