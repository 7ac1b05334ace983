import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchBrowser } from '../../support/browser.ts';
import { makeTempDir } from '../../support/tempDir.ts';
import {
  networkControl,
  seedTickets,
  signInBrowser,
  signUpOwner,
  startDeskServer,
  waitAllSaved,
  waitForServiceWorker,
  webBuild,
  webBuilt,
  type DeskServer,
} from './offlineFixture.ts';

const ready = hasChromium && webBuilt;

describe.runIf(ready)('the app shell offline and its updates (issue 7)', () => {
  let desk: DeskServer;
  let browser: Browser;
  let closeBrowser: () => Promise<void>;
  let web: ReturnType<typeof makeTempDir>;

  beforeAll(async () => {
    // A copy of the build, so the test can publish a "new version" of it.
    web = makeTempDir('desk-web-');
    fs.cpSync(webBuild, web.dir, { recursive: true });
    desk = await startDeskServer({ webDir: web.dir });
    ({ browser, close: closeBrowser } = await launchBrowser());
  });
  afterAll(async () => {
    await closeBrowser?.();
    await desk?.close();
    web?.remove();
  });

  it('opens from the cache with no network, and offers a new version with "Reload" on the next online load', async () => {
    const { owner, workspace } = await signUpOwner(desk.url, 'Ula', 'shell');
    await seedTickets(desk, owner, workspace, 2);
    const context = await browser.newContext();
    const network = await networkControl(context);
    const page = await context.newPage();
    await signInBrowser(context, desk.url, owner);
    await page.goto(`${desk.url}/w/shell`);
    await waitForServiceWorker(page);
    await waitAllSaved(page);
    const [oldCache] = await page.evaluate(() => caches.keys());
    expect(oldCache).toMatch(/^desk-app-/);

    // No network at all: a cold load still opens the app and the workspace.
    await network.offline();
    await page.goto(`${desk.url}/w/shell`);
    await page.getByRole('link', { name: 'Seeded ticket 2' }).waitFor();
    expect(
      await page.evaluate(() =>
        fetch('/api/auth/me').then(
          () => 'reached',
          () => 'failed',
        ),
      ),
    ).toBe(
      'failed', // API calls are never answered from the cache
    );

    // A new release is published; the next online load finds it and asks.
    const worker = path.join(web.dir, 'service-worker.js');
    const source = fs.readFileSync(worker, 'utf8');
    const version = /"(\d{13})"/.exec(source)?.[1];
    expect(version).toBeDefined();
    fs.writeFileSync(worker, source.replaceAll(version!, String(Number(version) + 1)));
    await network.online();
    await page.goto(`${desk.url}/w/shell`);
    const prompt = page.getByTestId('update-prompt');
    await prompt.filter({ hasText: 'New version available' }).waitFor();
    await Promise.all([
      page.waitForEvent('load'),
      prompt.getByRole('button', { name: 'Reload' }).click(),
    ]);
    await page.getByTestId('offline-status').waitFor();
    await expect
      .poll(() => page.evaluate(() => caches.keys()))
      .toEqual([`desk-app-${Number(version) + 1}`]);
    await context.close();
  });
});
