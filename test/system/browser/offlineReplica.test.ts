import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchBrowser } from '../../support/browser.ts';
import {
  networkControl,
  seedTickets,
  signInBrowser,
  signUpOwner,
  startDeskServer,
  storedDocIds,
  waitAllSaved,
  waitForServiceWorker,
  webBuilt,
  type DeskServer,
} from './offlineFixture.ts';

const ready = hasChromium && webBuilt;
const TICKETS = 2_000;

describe.runIf(ready)('the full local replica (issue 7)', () => {
  let desk: DeskServer;
  let browser: Browser;
  let closeBrowser: () => Promise<void>;

  beforeAll(async () => {
    desk = await startDeskServer();
    ({ browser, close: closeBrowser } = await launchBrowser());
  });
  afterAll(async () => {
    await closeBrowser?.();
    await desk?.close();
  });

  it(`copies a ${TICKETS.toLocaleString('en-US')}-ticket workspace with visible progress, then opens any ticket offline`, async () => {
    const { owner, workspace } = await signUpOwner(desk.url, 'Ana', 'big');
    const tickets = await seedTickets(desk, owner, workspace, TICKETS);
    const context = await browser.newContext();
    const network = await networkControl(context);
    const page = await context.newPage();
    await signInBrowser(context, desk.url, owner);

    const started = Date.now();
    await page.goto(`${desk.url}/w/big`);
    await waitForServiceWorker(page);
    // Progress is shown in words ("Syncing 1,234 of 2,000") with a progress bar.
    const progress = page
      .getByTestId('offline-status-text')
      .filter({ hasText: /^Syncing [\d,]+ of 2,000$/ });
    await progress.waitFor({ timeout: 60_000 });
    const samples = new Set<string>();
    while (await progress.count()) {
      samples.add(await progress.innerText().catch(() => ''));
      await page.waitForTimeout(500);
    }
    expect(samples.size).toBeGreaterThan(1);
    await waitAllSaved(page, 240_000);
    const copiedInMs = Date.now() - started;

    const ticketPrefix = `${workspace.id}:ticket:`;
    const held = (await storedDocIds(page, owner.userId)).filter((id) =>
      id.startsWith(ticketPrefix),
    );
    expect(held).toHaveLength(TICKETS);

    // Offline, a ticket never opened before comes from the local copy.
    await network.offline();
    const target = tickets[1_499]!;
    const opening = Date.now();
    await page.goto(`${desk.url}/w/big/t/${target.number}`);
    await page
      .getByTestId('description')
      .filter({ hasText: 'Description of ticket 1500.' })
      .waitFor();
    const openedInMs = Date.now() - opening;
    await page
      .getByTestId('offline-status-text')
      .filter({ hasText: /^Offline/ })
      .waitFor();
    console.info(
      `replicated ${TICKETS} tickets in ${copiedInMs} ms; opened #${target.number} offline (cold page load) in ${openedInMs} ms`,
    );
    await context.close();
  }, 400_000);
});
