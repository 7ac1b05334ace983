import { setImmediate as immediate } from 'node:timers/promises';

/**
 * How long a slice of snapshot, diff or restore work may hold the event loop before it
 * yields, in ms. Sync traffic waits at most about this long behind it (DESIGN §4.7).
 * @default 8
 */
export const SLICE_BUDGET_MS = 8;

/**
 * A cooperative time slicer: call `maybeYield()` between units of work; it yields to the
 * event loop (setImmediate, so pending I/O runs first) once the slice has used its budget.
 */
export class Slicer {
  #sliceStart = performance.now();

  constructor(private readonly budgetMs = SLICE_BUDGET_MS) {}

  async maybeYield(): Promise<void> {
    if (performance.now() - this.#sliceStart < this.budgetMs) return;
    await immediate();
    this.#sliceStart = performance.now();
  }
}
