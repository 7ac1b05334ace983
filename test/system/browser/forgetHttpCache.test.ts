import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { testImage } from '../../../sync-server/src/testing/testImages.ts';
import {
  describeInBrowser,
  startBrowserWorld,
  type BrowserWorld,
} from '../../support/browserWorld.ts';
import { allowPageErrors } from '../../support/pageErrors.ts';
import { inviteMember, requestOk, signUpOwner, type Account } from './offlineAccounts.ts';
import { signInBrowser } from './offlinePage.ts';
import { seedTickets } from './offlineTickets.ts';
import { uploadToTicket } from './uploadToTicket.ts';

/**
 * A device that loses access forgets the workspace's attachments too (issue 16: "local
 * replica (IndexedDB, caches, drafts)"). The files a page was shown sit in the browser's
 * HTTP cache (served private, cached a year), where the page's own deletions cannot reach;
 * the forgetting device has the server answer `Clear-Site-Data: "cache"`.
 */
describeInBrowser('attachments cached by a device that loses access', () => {
  let world: BrowserWorld;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    world = await startBrowserWorld();
  });

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await world?.close();
  });

  /** Whether the browser would answer `url` from its HTTP cache alone (no request made). */
  function cached(page: Page, url: string): Promise<boolean> {
    return page.evaluate(
      (u) =>
        fetch(u, { cache: 'only-if-cached', mode: 'same-origin' }).then(
          (response) => response.ok,
          () => false,
        ),
      url,
    );
  }

  async function openPage(account: Account): Promise<Page> {
    const context = await world.browser.newContext();
    contexts.push(context);
    await signInBrowser(context, world.base, account);
    const page = await context.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
    return page;
  }

  it('empties the HTTP cache of the attachment files a removed member was shown', async () => {
    const { owner, workspace } = await signUpOwner(world, 'Orla', 'cachedfiles');
    const [ticket] = await seedTickets(world, owner, workspace, 1);
    const ben = await inviteMember(world, owner, workspace, 'Ben');
    const page = await openPage(ben);
    await page.goto(`${world.base}/w/${workspace.slug}/t/${ticket!.number}`);
    await uploadToTicket(page, {
      name: 'contract.png',
      mimeType: 'image/png',
      buffer: await testImage('png', 640, 480),
    });
    const image = page.getByRole('img', { name: 'contract.png' });
    await image.waitFor();
    await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete)).toBe(true);
    const url = await image.evaluate((img: HTMLImageElement) => img.currentSrc);
    expect(url).toContain('/blobs/');
    // Not vacuous: the file is in the browser's cache while Ben is a member.
    expect(await cached(page, url)).toBe(true);
    const shellCaches = await page.evaluate(() => caches.keys());

    await requestOk(
      owner.http,
      'DELETE',
      `/api/workspaces/${workspace.slug}/members/${ben.userId}`,
    );
    await page.locator('[data-testid="forget-notice"][data-done="true"]').waitFor();
    // The probe itself: Chromium reports a cache miss of `only-if-cached` in the console.
    allowPageErrors(/^Failed to load resource: net::ERR_CACHE_MISS/);
    expect(await cached(page, url)).toBe(false);
    // The app itself (the service worker's cache, for opening offline) stays.
    expect(await page.evaluate(() => caches.keys())).toEqual(shellCaches);
    // Nothing is owed: the server was reached.
    expect(await page.evaluate(() => localStorage.getItem('desk:http-cache-clear-pending'))).toBe(
      null,
    );
  });
});
