import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { Page } from 'playwright-core';
import { SESSION_COOKIE } from '../../../sync-server/src/identity/sessionCookie.ts';
import { startDeskBenchWorld } from './deskWorld.ts';

/**
 * Where the desk's start-up time goes (issue 15): one new-device load and one reload of the
 * desk-browser bench's world, with a timeline of the page's requests, its WebSocket frames
 * (count and bytes per second), the app's `desk:` performance marks, the first ticket row,
 * and the server's event-loop delay (the server runs in this process).
 *   pnpm --filter @desk/test exec tsx bench/browser/startupTrace.ts [tickets]
 */
const tickets = Number(process.argv[2] ?? 10_000);
const world = await startDeskBenchWorld(tickets);
const t0 = { at: 0 };
const ms = () => Math.round(performance.now() - t0.at);
const log = (line: string) => process.stdout.write(`${String(ms()).padStart(7)} ms  ${line}\n`);

const lag = monitorEventLoopDelay({ resolution: 10 });
lag.enable();
const lagTimer = setInterval(() => {
  if (t0.at === 0) return;
  const max = lag.max / 1e6;
  if (max > 100) log(`server event loop: max delay ${Math.round(max)} ms in the last second`);
  lag.reset();
}, 1000);

async function trace(page: Page, label: string, navigate: () => Promise<unknown>): Promise<void> {
  t0.at = performance.now();
  log(`--- ${label}`);
  let frames = 0;
  let bytes = 0;
  const frameTimer = setInterval(() => {
    if (frames) log(`ws: ${frames} frames received, ${Math.round(bytes / 1024)} KiB (last second)`);
    frames = 0;
    bytes = 0;
  }, 1000);
  const onRequest = (r: { url(): string }) => {
    const url = r.url();
    if (url.includes('/api/')) log(`request ${url.replace(world.base, '')}`);
  };
  const onFinished = (r: { url(): string }) => {
    const url = r.url();
    if (url.includes('/api/') || url.includes('/_app/'))
      log(`done    ${url.replace(world.base, '')}`);
  };
  page.on('request', onRequest);
  page.on('requestfinished', onFinished);
  page.on('websocket', (ws) => {
    log(`websocket open ${ws.url().replace(world.base.replace('http', 'ws'), '')}`);
    ws.on('framereceived', (f) => {
      frames += 1;
      bytes += typeof f.payload === 'string' ? f.payload.length : f.payload.byteLength;
    });
  });
  await navigate();
  log('navigation done (load event)');
  await page.locator('[data-testid=ticket-row]').first().waitFor({ timeout: 300_000 });
  log(`FIRST ROW (${await page.locator('[data-rows]').first().getAttribute('data-rows')})`);
  await page
    .locator('[data-rows=live] [data-testid=ticket-row]')
    .first()
    .waitFor({ timeout: 300_000 });
  log('FIRST LIVE ROW');
  const marks = (await page.evaluate(
    "performance.getEntriesByType('mark').filter(function (m) { return m.name.indexOf('desk:') === 0; }).map(function (m) { return [m.name, Math.round(m.startTime)]; })",
  )) as [string, number][];
  for (const [name, at] of marks)
    process.stdout.write(`   page ${String(at).padStart(7)} ms  ${name}\n`);
  clearInterval(frameTimer);
  page.off('request', onRequest);
  page.off('requestfinished', onFinished);
}

try {
  const context = await world.browser.newContext({ viewport: { width: 1366, height: 860 } });
  await context.addCookies([
    { name: SESSION_COOKIE, value: world.sessionToken, url: world.base, httpOnly: true },
  ]);
  const page = await context.newPage();
  // TRACE_WAIT_MS: let the server's search projection finish its backfill first.
  await new Promise((resolve) => setTimeout(resolve, Number(process.env.TRACE_WAIT_MS ?? 0)));
  await page.addInitScript("localStorage.setItem('desk:debug', 'timing')");
  await trace(page, 'new device', () => page.goto(`${world.base}/w/${world.slug}`));
  await page.waitForTimeout(15_000);
  await trace(page, 'reload', () => page.reload());
  await page.waitForTimeout(3_000);
  await context.close();
} finally {
  clearInterval(lagTimer);
  await world.close();
}
