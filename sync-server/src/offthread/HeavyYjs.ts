import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../log/logger.ts';
import type { HeavyOpTable, HeavyWorkerCode } from './HeavyOpTable.ts';

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
 * The worker's code: the built script when the server is compiled, else the entry module
 * bundled into one CommonJS script, once per process. A worker thread cannot rely on the
 * parent's loader (on Node 20 tsx's hooks do not reach workers and registering tsx inside
 * one fails); a self-contained bundle runs under any runner and needs no loader at all.
 * esbuild is imported only then, so the compiled server never loads it.
 */
function workerCode(entry: URL): Promise<WorkerCode> {
  if (fs.existsSync(builtWorker)) return Promise.resolve({ file: builtWorker });
  workerSource ??= import('esbuild')
    .then(({ build }) =>
      build({
        entryPoints: [fileURLToPath(entry)],
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

type Op = keyof HeavyOpTable;

/**
 * Which work waits for which on the one worker. `serving`: a client waits for it (a large
 * doc's load and the answer to a sync step 1). `background`: nobody does (compaction,
 * snapshots, diffs, search projection). A serving request waits at most for the one request
 * the worker is running, never behind queued background work: a new device's first sync of
 * a large index written flat out waited behind one 24 MiB compaction after another (37 s vs
 * 2.6 s cold, issue 13).
 */
export const HeavyPriority = { serving: 0, background: 1 } as const;
export type HeavyPriority = (typeof HeavyPriority)[keyof typeof HeavyPriority];

interface Request {
  readonly id: number;
  readonly kind: Op;
  readonly args: unknown[];
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: Error) => void;
}

/**
 * Runs size-proportional Yjs work (HeavyOpTable) off the event loop for large documents: a
 * 10,000-ticket index doc takes hundreds of milliseconds to decode, which on the main
 * thread would stall every socket (DESIGN §4.7). One lazily started worker running one
 * request at a time; the others wait here, serving requests before background ones, each
 * kind in order (HeavyPriority). If the worker cannot start, the work runs inline (and says
 * so).
 */
export class HeavyYjs {
  #worker: Worker | null = null;
  #ready: Promise<Worker> | null = null;
  #nextId = 1;
  /** The request the worker is running. */
  #running: Request | null = null;
  /** Waiting requests by priority (index: HeavyPriority), each queue in arrival order. */
  readonly #queued: [Request[], Request[]] = [[], []];
  #workerBroken = false;
  /** Operations answered, by kind and where they ran (tests and diagnostics). */
  readonly #runs = new Map<string, number>();

  constructor(
    private readonly log: Logger,
    private readonly code: HeavyWorkerCode,
    private readonly inlineLimitBytes = HEAVY_INLINE_LIMIT_BYTES,
  ) {}

  async run<K extends Op>(
    kind: K,
    args: Parameters<HeavyOpTable[K]>,
    bytes: number,
    priority: HeavyPriority = HeavyPriority.background,
  ): Promise<ReturnType<HeavyOpTable[K]>> {
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
      this.#queued[priority].push({
        id,
        kind,
        args,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      this.#dispatch(worker);
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

  /** Hands the worker the next request, serving ones first, if it is not running one. */
  #dispatch(worker: Worker): void {
    if (this.#running) return;
    const next =
      this.#queued[HeavyPriority.serving].shift() ?? this.#queued[HeavyPriority.background].shift();
    if (!next) {
      // Nothing to do: the idle worker must not keep the process alive.
      worker.unref();
      return;
    }
    this.#running = next;
    worker.ref();
    worker.postMessage({ id: next.id, kind: next.kind, args: next.args });
  }

  #inline<K extends Op>(kind: K, args: Parameters<HeavyOpTable[K]>): ReturnType<HeavyOpTable[K]> {
    this.#count(kind, 'inline');
    const op = this.code.ops[kind] as (...a: unknown[]) => ReturnType<HeavyOpTable[K]>;
    return op(...(args as unknown[]));
  }

  #start(): Promise<Worker> {
    this.#ready ??= workerCode(this.code.entry).then((code) => this.#spawn(code));
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
          const done = this.#running;
          if (!done || done.id !== message.id) return;
          this.#running = null;
          if (message.ok) done.resolve(message.result);
          else done.reject(new Error(message.message ?? 'snapshot worker failed'));
          this.#dispatch(worker);
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
    const requests = [this.#running, ...this.#queued.flatMap((queue) => queue.splice(0))];
    this.#running = null;
    // The operation named: a caller that did not expect its work to end says which work.
    for (const request of requests) {
      request?.reject(new Error(`${err.message} (during ${request.kind})`, { cause: err }));
    }
  }
}
