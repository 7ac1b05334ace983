import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { build } from 'esbuild';
import type { Logger } from '../log/logger.ts';
import { heavyOps, type HeavyOps } from './heavyOps.ts';

/**
 * Documents at least this big (bytes of input) are decoded and diffed on the worker
 * thread; smaller ones inline, where a round trip would cost more than the work.
 * @default 65536
 */
export const HEAVY_INLINE_LIMIT_BYTES = 64 * 1024;

let workerSource: Promise<string> | null = null;

/**
 * The worker's code: heavyWorker.ts bundled into one CommonJS script, once per process.
 * The server runs TypeScript sources, and a worker thread cannot rely on the parent's
 * loader (on Node 20 tsx's hooks do not reach workers and registering tsx inside one
 * fails); a self-contained bundle runs under any runner and needs no loader at all.
 */
function bundledWorker(): Promise<string> {
  workerSource ??= build({
    entryPoints: [fileURLToPath(new URL('./heavyWorker.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    write: false,
    logLevel: 'silent',
  }).then((result) => result.outputFiles[0]!.text);
  workerSource.catch(() => {
    workerSource = null;
  });
  return workerSource;
}

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

  /** Whether large documents go to the worker thread (false until it first started). */
  get onWorker(): boolean {
    return this.#worker !== null;
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
    this.#ready ??= bundledWorker().then((source) => this.#spawn(source));
    return this.#ready;
  }

  #spawn(source: string): Promise<Worker> {
    return new Promise<Worker>((resolve, reject) => {
      // A worker inherits execArgv; `--input-type=module` would make the CommonJS bundle
      // an ES module.
      const execArgv = process.execArgv.filter((arg) => !arg.startsWith('--input-type'));
      const worker = new Worker(source, { eval: true, execArgv });
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
  }

  #failAll(err: Error): void {
    for (const pending of this.#pending.values()) pending.reject(err);
    this.#pending.clear();
  }
}
