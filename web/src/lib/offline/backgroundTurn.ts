/**
 * When the browser may run a piece of background work (replicating a ticket doc, indexing
 * its text): after one macrotask when the user has not typed, clicked or scrolled for
 * `quietMs`; else once they have, and then at an idle moment. A keystroke's list update must not queue behind a doc being stored or
 * indexed (issue 15: the 100,000-ticket desk replicates thousands of docs while the user
 * searches). Continuous input delays the work at most `maxWaitMs`, so it still advances.
 */
export interface BackgroundTurnOptions {
  /** Where the user's input is heard. @default the window */
  target?: EventTarget;
  /** @default performance.now */
  now?: () => number;
  /** Runs its callback at an idle moment. @default requestIdleCallback, capped at 250 ms */
  idle?: (run: () => void) => void;
  /** @default 400 */
  quietMs?: number;
  /** @default 3000 */
  maxWaitMs?: number;
}

const INPUT_EVENTS = ['keydown', 'input', 'pointerdown', 'wheel', 'compositionupdate'] as const;

/** A `backgroundTurn` function listening on `target` (one listener set, kept for the tab). */
export function createBackgroundTurn(options: BackgroundTurnOptions = {}): () => Promise<void> {
  const now = options.now ?? (() => performance.now());
  const idle = options.idle ?? whenIdle;
  const quietMs = options.quietMs ?? 400;
  const maxWaitMs = options.maxWaitMs ?? 3000;
  let lastInputAt = Number.NEGATIVE_INFINITY;
  const note = () => {
    lastInputAt = now();
  };
  for (const type of INPUT_EVENTS) {
    options.target?.addEventListener(type, note, { capture: true, passive: true });
  }
  return () => {
    const asked = now();
    return new Promise((resolve) => {
      // Quiet already: one macrotask, so input that arrives meanwhile is handled first and
      // replication keeps its pace when nobody types (an idle callback per doc would not).
      if (asked - lastInputAt >= quietMs) {
        setTimeout(resolve, 0);
        return;
      }
      const check = () => {
        const at = now();
        const quietFor = at - lastInputAt;
        const waited = at - asked;
        if (quietFor >= quietMs || waited >= maxWaitMs) idle(resolve);
        else setTimeout(check, Math.min(quietMs - quietFor, maxWaitMs - waited) + 1);
      };
      check();
    });
  };
}

function whenIdle(run: () => void): void {
  if (typeof requestIdleCallback === 'function') requestIdleCallback(() => run(), { timeout: 250 });
  else setTimeout(run, 0);
}

/** The tab's background turn: the window's input, `requestIdleCallback`. */
export const backgroundTurn: () => Promise<void> = createBackgroundTurn({
  target: typeof window === 'undefined' ? undefined : window,
});
