import type { Page } from 'playwright-core';

/**
 * How long the list page takes to show the result of one input: from the moment the input
 * is made (a keystroke into the search box, a click on a status filter) to the frame
 * painted after the last change it caused, so an answer that arrives asynchronously (a
 * full-text search) counts too. Measured inside the page with `performance.now()`; "the
 * last change" is the last DOM mutation before 300 ms pass without one (at most 3 s).
 *
 * Two answers per input: `rows` — the list's rows and its count (`.rows`, the count
 * beside the heading), i.e. what the device answers (the server's hits are never merged
 * into them); `page` — anything on the page, including the strip below the list that
 * says what the server found for tickets not on the device, a server round trip later.
 */
export type ListInput = { kind: 'type'; text: string } | { kind: 'status'; index: number };

export interface InputPaint {
  /** ms to the frame after the last change of the list's rows or count. */
  readonly rows: number;
  /** ms to the frame after the last change anywhere on the page. */
  readonly page: number;
}

export async function inputToPaint(page: Page, input: ListInput): Promise<InputPaint> {
  // Source text, not a function: tsx would wrap named functions in a helper the page lacks.
  return page.evaluate(`(${IN_PAGE})(${JSON.stringify(input)})`) as Promise<InputPaint>;
}

const IN_PAGE = `async function (input) {
  var QUIET_MS = 300, LIMIT_MS = 3000;
  var root = document.querySelector('.page') || document.body;
  function frame() {
    return new Promise(function (r) { requestAnimationFrame(function () { r(performance.now()); }); });
  }
  function watcher() {
    var w = { lastPaint: 0, lastMutation: 0, waiting: false };
    w.observer = new MutationObserver(function () {
      w.lastMutation = performance.now();
      if (w.waiting) return;
      w.waiting = true;
      requestAnimationFrame(function () { w.waiting = false; w.lastPaint = performance.now(); });
    });
    return w;
  }
  var options = { subtree: true, childList: true, characterData: true, attributes: true };
  var all = watcher(), rows = watcher();
  all.observer.observe(root, options);
  var rowsEl = document.querySelector('.rows');
  var countEl = document.querySelector('[data-testid=ticket-count]');
  if (rowsEl) rows.observer.observe(rowsEl, options);
  if (countEl) rows.observer.observe(countEl, options);
  var t0 = performance.now();
  if (input.kind === 'type') {
    var box = document.querySelector('[data-testid=search]');
    if (!box) throw new Error('no search box');
    box.value = input.text;
    box.dispatchEvent(new Event('input', { bubbles: true }));
  } else {
    var boxes = document.querySelectorAll('[data-testid=status-filter] input[type=checkbox]');
    var check = boxes[input.index];
    if (!check) throw new Error('no status checkbox ' + input.index);
    check.click();
  }
  var first = await frame();
  for (;;) {
    await new Promise(function (r) { setTimeout(r, 50); });
    var now = performance.now();
    if (now - t0 > LIMIT_MS) break;
    if (now - Math.max(all.lastMutation, first) > QUIET_MS && !all.waiting && !rows.waiting) break;
  }
  all.observer.disconnect();
  rows.observer.disconnect();
  return { rows: Math.max(first, rows.lastPaint) - t0, page: Math.max(first, all.lastPaint) - t0 };
}`;

/** The number the list's header shows (rows matching the filters). */
export async function shownCount(page: Page): Promise<number> {
  const text = (await page.locator('[data-testid=ticket-count]').textContent()) ?? '';
  return Number(/\d+/.exec(text.replace(/[,\s]/g, ''))?.[0] ?? 0);
}

/** Waits until the list's count has not changed for `stableMs` (the index finished syncing). */
export async function countSettled(page: Page, stableMs: number, limitMs: number): Promise<number> {
  const started = Date.now();
  let last = -1;
  let since = Date.now();
  for (;;) {
    const count = await shownCount(page).catch(() => -1);
    if (count !== last) {
      last = count;
      since = Date.now();
    } else if (count > 0 && Date.now() - since >= stableMs) {
      return count;
    }
    if (Date.now() - started > limitMs) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The tab's JS heap after a full garbage collection, in bytes (Chrome DevTools Protocol). */
export async function tabHeapBytes(page: Page): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('HeapProfiler.collectGarbage');
    const usage = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
    return usage.usedSize;
  } finally {
    await cdp.detach();
  }
}

/** What the origin stores (IndexedDB and caches), as the browser estimates it. */
export async function storedBytes(page: Page): Promise<number> {
  return page.evaluate(
    'navigator.storage.estimate().then(function (e) { return e.usage || 0; })',
  ) as Promise<number>;
}

export function percentile(values: readonly number[], p: number): number {
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
