import type { docOps } from './docOps.ts';

type DocOps = typeof docOps;

/**
 * The operations HeavyYjs can run, by name: pure functions of bytes in, plain data out.
 * A module with work for the worker adds its operations where it defines them, with
 * `declare module '../offthread/HeavyOpTable.ts' { interface HeavyOpTable extends MyOps {} }`,
 * and the worker's registry (worker/heavyOps.ts) must hold every one of them. So offthread/
 * knows the names and types of the work but never imports the modules that define it, and
 * stays below them in the folder graph.
 */
// An interface (not a type) so that modules can add to it; the one supertype is the start.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface HeavyOpTable extends DocOps {}

/** What HeavyYjs runs: the registry, and the module the worker thread starts from. */
export interface HeavyWorkerCode {
  /** Every operation of HeavyOpTable, for the worker thread and for inline runs. */
  readonly ops: HeavyOpTable;
  /**
   * The worker's entry module (TypeScript). Run from the sources (tsx, vitest) it is bundled
   * on first use; the compiled server runs the bundle the build wrote (BUILT_WORKER_FILE).
   */
  readonly entry: URL;
}
