import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../log/logger.ts';
import { heavyOps, type HeavyOps } from './heavyOps.ts';

/**
 * Documents at least this big (bytes of input) are decoded and diffed on the worker
 * thread; smaller ones inline, where a round trip would cost more than the work.
 * @default 65536
 */
export const HEAVY_INLINE_LIMIT_BYTES = 64 * 1024;

/**
 * The worker script the server build writes beside the compiled server
 * (sync-server/scripts/buildServer.ts): there `import.meta.url` is dist/main.js. Run from
 * the TypeScript sources (tsx, vitest) it does not exist, and the worker is bundled here.
 */
export const BUILT_WORKER_FILE = 'heavyWorker.cjs';
const builtWorker = new URL(`./${BUILT_WORKER_FILE}`, import.meta.url);

type WorkerCode = { readonly file: URL } | { readonly source: string };
let workerSource: Promise<WorkerCode> | null = null;

/**
 * The worker's code: the built script when the server is compiled, else heavyWorker.ts
 * bundled into one CommonJS script, once per process. A worker thread cannot rely on the
 * parent's loader (on Node 20 tsx's hooks do not reach workers and registering tsx inside
 * one fails); a self-contained bundle runs under any runner and needs no loader at all.
 * esbuild is imported only then, so the compiled server never loads it.
 */
function workerCode(): Promise<WorkerCode> {
  if (fs.existsSync(builtWorker)) return Promise.resolve({ file: builtWorker });
  workerSource ??= import('esbuild')
    .then(({ build }) =>
      build({
        entryPoints: [fileURLToPath(new URL('./heavyWorker.ts', import.meta.url))],
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: 'node20',
        write: false,
        logLevel: 'silent',
      }),
    )
    .then((result) => ({ source: result.outputFiles[0]!.text }));
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
  /** Operations answered, by kind and where they ran (tests and diagnostics). */
  readonly #runs = new Map<string, number>();

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
    this.#count(kind, 'worker');
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.ref();
      worker.postMessage({ id, kind, args });
    });
  }

  /** How many `kind` operations ran on the worker thread, or inline on the event loop. */
  runs(kind: Op, where: 'worker' | 'inline'): number {
    return this.#runs.get(`${where}:${kind}`) ?? 0;
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
    this.#count(kind, 'inline');
    const op = heavyOps[kind] as (...a: unknown[]) => ReturnType<HeavyOps[K]>;
    return op(...(args as unknown[]));
  }

  #start(): Promise<Worker> {
    this.#ready ??= workerCode().then((code) => this.#spawn(code));
    return this.#ready;
  }

  #spawn(code: WorkerCode): Promise<Worker> {
    return new Promise<Worker>((resolve, reject) => {
      // A worker inherits execArgv; `--input-type=module` would make the CommonJS bundle
      // an ES module.
      const execArgv = process.execArgv.filter((arg) => !arg.startsWith('--input-type'));
      const worker =
        'file' in code
          ? new Worker(code.file, { execArgv })
          : new Worker(code.source, { eval: true, execArgv });
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
            this.log.info({ built: 'file' in code }, 'off-thread worker started');
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

  #count(kind: Op, where: 'worker' | 'inline'): void {
    const key = `${where}:${kind}`;
    this.#runs.set(key, (this.#runs.get(key) ?? 0) + 1);
  }

  #failAll(err: Error): void {
    for (const pending of this.#pending.values()) pending.reject(err);
    this.#pending.clear();
  }
}
