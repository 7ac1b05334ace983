import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { describeInBrowser } from '../../support/browserWorld.ts';
import { openOwnerDesk } from './offlineDesk.ts';
import { loadSynced } from './offlinePage.ts';
import { useOfflineWorld } from './offlineWorld.ts';

describeInBrowser('the app shell offline and its updates (issue 7)', () => {
  // A copy of the build, so the test can publish a "new version" of it.
  const offline = useOfflineWorld({ copyOfWebBuild: true });

  it('opens from the cache with no network, and offers a new version with "Reload" on the next online load', async () => {
    const desk = await openOwnerDesk(offline.world, 'Ula', 'shell', 2);
    const { workspaceUrl, context, network, page } = desk;
    await loadSynced(page, workspaceUrl, { serviceWorker: true });
    const [oldCache] = await page.evaluate(() => caches.keys());
    expect(oldCache).toMatch(/^desk-app-/);

    // No network at all: a cold load still opens the app and the workspace.
    await network.offline();
    await page.goto(workspaceUrl);
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
    const worker = path.join(offline.webDir, 'service-worker.js');
    const source = fs.readFileSync(worker, 'utf8');
    const version = /"(\d{13})"/.exec(source)?.[1];
    expect(version).toBeDefined();
    fs.writeFileSync(worker, source.replaceAll(version!, String(Number(version) + 1)));
    await network.online();
    await page.goto(workspaceUrl);
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

  it('sends a navigation to the network while the service worker starts (navigation preload), online and with the cache as fallback', async () => {
    const desk = await openOwnerDesk(offline.world, 'Vic', 'preload', 1);
    const { workspaceUrl, network, page } = desk;
    await loadSynced(page, workspaceUrl, { serviceWorker: true });
    // Issue 15 (reload within 1 s): the worker's own start-up is not on a reload's path.
    const state = await page.evaluate(async () => {
      const registration = await navigator.serviceWorker.ready;
      return registration.navigationPreload.getState();
    });
    expect(state.enabled).toBe(true);

    // The preloaded answer is the page: a reload online opens the desk from the server's shell.
    await page.reload();
    await page.getByRole('link', { name: 'Seeded ticket 1' }).waitFor();
    expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);

    // A failed preload is a failed network: the cached shell opens the desk.
    await network.offline();
    await page.reload();
    await page.getByRole('link', { name: 'Seeded ticket 1' }).waitFor();
  });
});
