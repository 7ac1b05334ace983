import type { BrowserContext } from 'playwright-core';
import { SESSION_COOKIE } from '../../../sync-server/src/identity/sessionCookie.ts';
import { startDeskBenchWorld } from './deskWorld.ts';
import { percentile } from './pageTiming.ts';

/**
 * The desk's two start-ups (issue 15), repeated for a before/after comparison on one
 * world: each round opens a fresh browser context (an empty device), loads the ticket list
 * (new device) and reloads it (from the local copy), and reads in the page when the first
 * ticket row and the first live row were painted — the bench's own measure (ROW_WATCH in
 * `sections/deskBrowser.ts`), without its typing part. Prints every round and the medians.
 *   BENCH_DESK_DIR=/tmp/w pnpm --filter @desk/test exec tsx bench/browser/startupRounds.ts [tickets] [rounds]
 * `TRACE_NO_SW=1` blocks the service worker (to see what it costs a start).
 */
const tickets = Number(process.argv[2] ?? 10_000);
const rounds = Number(process.argv[3] ?? 5);
const world = await startDeskBenchWorld(tickets);

const ROW_WATCH = `(() => {
  const rows = {};
  window.__deskRows = rows;
  const painted = (key) => requestAnimationFrame(() => setTimeout(() => {
    if (rows[key] === undefined) rows[key] = performance.now();
  }, 0));
  let anySeen = false;
  const observer = new MutationObserver(() => {
    if (!anySeen && document.querySelector('[data-testid=ticket-row]')) {
      anySeen = true;
      painted('any');
    }
    if (document.querySelector('[data-rows=live] [data-testid=ticket-row]')) {
      observer.disconnect();
      painted('live');
    }
  });
  observer.observe(document, { childList: true, subtree: true });
})();`;

interface Round {
  newAny: number;
  newLive: number;
  reloadAny: number;
  reloadLive: number;
  start: number;
  reloadStart: number;
}

async function rowsPainted(
  context: BrowserContext,
  navigate: () => Promise<unknown>,
): Promise<{ any: number; live: number; start: number }> {
  const page = context.pages()[0]!;
  await navigate();
  await page.waitForFunction(
    () => (window as { __deskRows?: { live?: number } }).__deskRows?.live !== undefined,
    null,
    { timeout: 300_000, polling: 250 },
  );
  const rows = (await page.evaluate('window.__deskRows')) as { any: number; live: number };
  const start = (await page.evaluate(
    "(performance.getEntriesByName('desk:start')[0] || { startTime: NaN }).startTime",
  )) as number;
  return { ...rows, start };
}

const results: Round[] = [];
try {
  for (let round = 0; round < rounds; round++) {
    const context = await world.browser.newContext({
      viewport: { width: 1366, height: 860 },
      serviceWorkers: process.env.TRACE_NO_SW === '1' ? 'block' : 'allow',
    });
    await context.addCookies([
      { name: SESSION_COOKIE, value: world.sessionToken, url: world.base, httpOnly: true },
    ]);
    await context.addInitScript(ROW_WATCH);
    await context.addInitScript("localStorage.setItem('desk:debug', 'timing')");
    const page = await context.newPage();
    const first = await rowsPainted(context, () => page.goto(`${world.base}/w/${world.slug}`));
    // As the bench: the list settles and the index reaches IndexedDB before the reload.
    await page.waitForTimeout(5_000);
    const again = await rowsPainted(context, () => page.reload());
    await context.close();
    const r: Round = {
      newAny: first.any,
      newLive: first.live,
      reloadAny: again.any,
      reloadLive: again.live,
      start: first.start,
      reloadStart: again.start,
    };
    results.push(r);
    process.stdout.write(
      `round ${round + 1}: new device first rows ${Math.round(r.newAny)} ms (desk:start ${Math.round(r.start)}, live ${Math.round(r.newLive)}); ` +
        `reload first rows ${Math.round(r.reloadAny)} ms (desk:start ${Math.round(r.reloadStart)}, live ${Math.round(r.reloadLive)})\n`,
    );
  }
  const median = (pick: (r: Round) => number) => Math.round(percentile(results.map(pick), 50));
  process.stdout.write(
    `median of ${rounds}: new device ${median((r) => r.newAny)} ms (start ${median((r) => r.start)}), ` +
      `reload ${median((r) => r.reloadAny)} ms (start ${median((r) => r.reloadStart)})\n`,
  );
} finally {
  await world.close();
}
