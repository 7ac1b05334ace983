import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { describeInBrowser } from '../../support/browserWorld.ts';
import { openOwnerDesk } from './offlineDesk.ts';
import { goOffline, loadSynced, openSeededTicket, waitAllSaved } from './offlinePage.ts';
import { useOfflineWorld } from './offlineWorld.ts';

/** Publishes a "new build" in the served copy: a new version file and service worker. */
function publishNewVersion(webDir: string): string {
  const versionFile = path.join(webDir, '_app/version.json');
  const { version } = JSON.parse(fs.readFileSync(versionFile, 'utf8')) as { version: string };
  const next = String(Number(version) + 1);
  fs.writeFileSync(versionFile, JSON.stringify({ version: next }));
  const worker = path.join(webDir, 'service-worker.js');
  fs.writeFileSync(worker, fs.readFileSync(worker, 'utf8').replaceAll(version, next));
  return next;
}

describeInBrowser('a new version while a tab is open (issue 18.4)', () => {
  const offline = useOfflineWorld({ copyOfWebBuild: true });

  it('a hashed file of an older build is a 404, not the app', async () => {
    const desk = await openOwnerDesk(offline.world, 'Olga', 'old-assets', 1);
    await loadSynced(desk.page, desk.workspaceUrl, { serviceWorker: true });
    const answer = await desk.page.evaluate(async () => {
      const response = await fetch('/_app/immutable/entry/start.0ld8u1ld.js');
      return { status: response.status, type: response.headers.get('content-type') };
    });
    expect(answer.status).toBe(404);
    expect(answer.type).not.toMatch(/html/);
    await desk.context.close();
  });

  it('offers the new version to an open tab, and reloads only once the changes reached the server, keeping the reply being written', async () => {
    const desk = await openOwnerDesk(offline.world, 'Nina', 'new-build', 1);
    const { context, page, workspaceUrl } = desk;
    // The page's timers run on a clock the test can move: "the tab stays open a while".
    await context.clock.install();
    await loadSynced(page, workspaceUrl, { serviceWorker: true });
    const description = await openSeededTicket(page, workspaceUrl, desk.tickets[0]!);
    await page.getByTestId('composer').fill('A reply I am still writing');

    const next = publishNewVersion(offline.webDir);
    const prompt = page.getByTestId('update-prompt');
    expect(await prompt.count()).toBe(0);
    // A minute later the tab's version check has found the new build.
    await context.clock.fastForward(61_000);
    await prompt.filter({ hasText: 'New version available' }).waitFor();

    // A change the server has not confirmed holds the reload back, and the prompt says so.
    await goOffline(desk);
    await description.click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type(' Edited before the update.');
    await prompt.getByRole('button', { name: 'Reload' }).click();
    await prompt.filter({ hasText: /Waiting for 1 change to reach the server/ }).waitFor();
    expect(page.url()).toContain('/t/');

    // Back online: the change reaches the server, then the page reloads onto the new build.
    const reloaded = page.waitForEvent('load');
    await desk.network.online();
    await reloaded;
    await waitAllSaved(page);
    await expect.poll(() => page.evaluate(() => caches.keys())).toEqual([`desk-app-${next}`]);
    expect(await page.getByTestId('composer').inputValue()).toBe('A reply I am still writing');
    await page
      .getByTestId('description')
      .filter({ hasText: 'Edited before the update.' })
      .waitFor();
    expect(await prompt.count()).toBe(0);
    await context.close();
  });
});
