import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../log/logger.ts';
import { heavyOps, type HeavyOps } from './heavyOps.ts';

const require = createRequire(import.meta.url);

/**
 * Documents at least this big (bytes of input) are decoded and diffed on the worker
 * thread; smaller ones inline, where a round trip would cost more than the work.
 * @default 65536
 */
export const HEAVY_INLINE_LIMIT_BYTES = 64 * 1024;

/**
 * The worker body: loads heavyWorker.ts through tsx's loader (the server runs TypeScript
 * sources under tsx; a worker thread needs the loader registered in itself), so the very
 * same code runs on both sides.
 */
const bootstrap = `
const { workerData } = require('node:worker_threads');
const { tsImport } = require(workerData.tsxApi);
tsImport(workerData.entry, workerData.entry).catch((err) => {
  process.stderr.write(String(err && err.stack || err) + '\\n');
  process.exit(1);
});
`;

type Op = keyof HeavyOps;
type Pending = { resolve: (value: unknown) => void; reject: (err: Error) => void };

/**
 * Runs size-proportional Yjs work (heavyOps) off the event loop for large documents: a
 * 10,000-ticket index doc takes hundreds of milliseconds to decode, which on the main
 * thread would stall every socket (DESIGN §4.7). One lazily started worker, requests
 * answered in order; if the worker cannot start, the work runs inline (and says so).
 */
export class HeavyYjs {
  #worker: Worker | null = null;
  #ready: Promise<Worker> | null = null;
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  #workerBroken = false;

  constructor(
    private readonly log: Logger,
    private readonly inlineLimitBytes = HEAVY_INLINE_LIMIT_BYTES,
  ) {}

  async run<K extends Op>(
    kind: K,
    args: Parameters<HeavyOps[K]>,
    bytes: number,
  ): Promise<ReturnType<HeavyOps[K]>> {
    if (bytes < this.inlineLimitBytes || this.#workerBroken) return this.#inline(kind, args);
    let worker: Worker;
    try {
      worker = await this.#start();
    } catch (err) {
      this.#workerBroken = true;
      this.log.error({ err }, 'snapshot worker unavailable; large documents run inline');
      return this.#inline(kind, args);
    }
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.ref();
      worker.postMessage({ id, kind, args });
    });
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = null;
    this.#ready = null;
    if (worker) await worker.terminate();
  }

  #inline<K extends Op>(kind: K, args: Parameters<HeavyOps[K]>): ReturnType<HeavyOps[K]> {
    const op = heavyOps[kind] as (...a: unknown[]) => ReturnType<HeavyOps[K]>;
    return op(...(args as unknown[]));
  }

  #start(): Promise<Worker> {
    this.#ready ??= new Promise<Worker>((resolve, reject) => {
      const worker = new Worker(bootstrap, {
        eval: true,
        workerData: {
          tsxApi: require.resolve('tsx/esm/api'),
          entry: new URL('./heavyWorker.ts', import.meta.url).href,
        },
      });
      worker.unref();
      worker.on(
        'message',
        (message: {
          ready?: true;
          id?: number;
          ok?: boolean;
          result?: unknown;
          message?: string;
        }) => {
          if (message.ready) {
            this.#worker = worker;
            resolve(worker);
            return;
          }
          const pending = this.#pending.get(message.id!);
          if (!pending) return;
          this.#pending.delete(message.id!);
          if (this.#pending.size === 0) worker.unref();
          if (message.ok) pending.resolve(message.result);
          else pending.reject(new Error(message.message ?? 'snapshot worker failed'));
        },
      );
      worker.once('error', (err) => {
        this.#failAll(err);
        reject(err);
      });
      worker.once('exit', (code) => {
        if (this.#worker === worker || this.#ready) {
          this.#worker = null;
          this.#ready = null;
        }
        this.#failAll(new Error(`snapshot worker exited with code ${code}`));
        reject(new Error(`snapshot worker exited with code ${code}`));
      });
    });
    return this.#ready;
  }

  #failAll(err: Error): void {
    for (const pending of this.#pending.values()) pending.reject(err);
    this.#pending.clear();
  }
}
