import fs from 'node:fs';
import type { CDPSession, Page } from 'playwright-core';
import { SESSION_COOKIE } from '../../../sync-server/src/identity/sessionCookie.ts';
import { startDeskBenchWorld } from './deskWorld.ts';
import { countSettled, inputToPaint, percentile, type ListInput } from './pageTiming.ts';

/**
 * Where a search keystroke's and a status filter's time goes (issue 15): the desk-browser
 * world (reuse a seeded one with BENCH_DESK_DIR), the list live and settled, then the
 * bench's own inputs, each timed as the bench times it (input → frame after its last DOM
 * change) and, with TRACE_PROFILE=<file.cpuprofile>, a CPU profile of all of them (open it
 * in Chrome DevTools; build the web app with `vite build --minify false` for names).
 *   BENCH_DESK_DIR=/tmp/desk-world pnpm --filter @desk/test exec tsx bench/browser/listInputTrace.ts [tickets] [rounds]
 */
const tickets = Number(process.argv[2] ?? 10_000);
const rounds = Number(process.argv[3] ?? 1);
const QUERIES = ['printer invoice', 'customer 42', 'network crash', '#1234'];

const world = await startDeskBenchWorld(tickets);
try {
  const context = await world.browser.newContext({ viewport: { width: 1366, height: 860 } });
  await context.addCookies([
    { name: SESSION_COOKIE, value: world.sessionToken, url: world.base, httpOnly: true },
  ]);
  const page = await context.newPage();
  // TRACE_NO_SERVER=1: the server's search refused, so only the device answers.
  if (process.env.TRACE_NO_SERVER === '1') {
    await page.route('**/api/workspaces/*/search?*', (route) => route.abort());
  }
  await page.goto(`${world.base}/w/${world.slug}`);
  await page.locator('[data-rows=live] [data-testid=ticket-row]').first().waitFor({
    timeout: 300_000,
  });
  const shown = await countSettled(page, 3_000, 180_000);
  process.stdout.write(`live list settled: ${shown} rows\n`);
  await page.waitForTimeout(Number(process.env.TRACE_SETTLE_MS ?? 5_000));

  let cdp: CDPSession | null = null;
  if (process.env.TRACE_PROFILE) {
    cdp = await context.newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
  }
  const keystrokes: number[] = [];
  const filters: number[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const query of QUERIES) {
      for (let i = 1; i <= query.length; i++) {
        await timed(page, { kind: 'type', text: query.slice(0, i) }, keystrokes);
      }
      await timed(page, { kind: 'type', text: '' }, keystrokes);
    }
    for (let r = 0; r < 3; r++) {
      for (const index of [1, 2, 4]) {
        await timed(page, { kind: 'status', index }, filters);
        await timed(page, { kind: 'status', index }, filters);
      }
    }
  }
  if (cdp) {
    const { profile } = (await cdp.send('Profiler.stop')) as { profile: unknown };
    fs.writeFileSync(process.env.TRACE_PROFILE!, JSON.stringify(profile));
    process.stdout.write(`profile written to ${process.env.TRACE_PROFILE}\n`);
  }
  const line = (name: string, xs: number[]) =>
    `${name}: n=${xs.length} p50 ${percentile(xs, 50).toFixed(0)} p95 ${percentile(xs, 95).toFixed(0)} max ${Math.max(...xs).toFixed(0)} ms\n`;
  process.stdout.write(line('keystroke', keystrokes) + line('filter', filters));
  await context.close();
} finally {
  await world.close();
}

async function timed(page: Page, input: ListInput, into: number[]): Promise<void> {
  const paint = await inputToPaint(page, input);
  into.push(paint.rows);
  const ms = paint.rows;
  const what =
    input.kind === 'type' ? `type ${JSON.stringify(input.text)}` : `status ${input.index}`;
  const count = await page.locator('[data-testid=ticket-count]').textContent();
  // The strip below the list says how many ("Also found on the server (N)"), panel closed.
  const strip = await page
    .locator('[data-testid=server-hits-toggle]')
    .textContent({ timeout: 50 })
    .catch(() => '');
  const serverHits = Number(/\((\d+)\)/.exec(strip ?? '')?.[1] ?? 0);
  process.stdout.write(
    `${what.padEnd(24)} ${ms.toFixed(0).padStart(5)} ms (page ${paint.page.toFixed(0).padStart(4)} ms)  rows ${count}  server-only hits ${serverHits}\n`,
  );
}
