import type { Page } from 'playwright-core';
import * as Y from 'yjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { docIds, TicketIndex } from '@desk/model';
import type { FirstPageResponse } from '@desk/protocol';
import { until } from '@desk/protocol/testing';
import { editDoc } from '../../../sync-server/src/testing/snapshotTestSupport.ts';
import { describeInBrowser, signedInContext } from '../../support/browserWorld.ts';
import { startDeskWorld, type DeskWorld } from './deskSupport.ts';

/**
 * The list's first screen before the index is decoded (issue 15), in Chromium against the
 * real server and the built app: a new device paints the server's first page while its
 * index cannot sync, and the live rows take the same places once it has; a reload paints
 * the rows it kept last time before it decodes its local copy of the index.
 */
describeInBrowser('the ticket list’s first screen', () => {
  let world: DeskWorld;
  let workspaceId: string;
  const TITLES = ['Newest: VPN drops', 'Printer jams', 'Oldest: password reset'];

  beforeAll(async () => {
    world = await startDeskWorld();
    workspaceId = (await world.server.services.control.workspaces.bySlug(world.slug))!.id;
    const now = Date.now();
    await editDoc(world.server.sync, docIds.index(workspaceId), (doc: Y.Doc) => {
      const tickets = new TicketIndex(doc);
      TITLES.forEach((title, i) =>
        tickets.create({ id: `t${i}`, title, number: 10 + i }, { id: 'u', name: 'U' }, now - i),
      );
    });
    // The projection reads the index within a second or so of the change.
    await until(async () => {
      const res = await world.owner.client.get<FirstPageResponse>(
        `/api/workspaces/${world.slug}/tickets/first-page`,
      );
      return res.body.rows.length === TITLES.length;
    }, 'the server’s first page to hold the tickets');
  });

  afterAll(async () => {
    await world?.close();
  });

  const titlesOf = (page: Page, rows: string) =>
    page.locator(`[data-rows=${rows}] [data-testid=ticket-row] a.title`).allInnerTexts();

  it('paints the server’s first page on a new device before the index syncs, then the same rows live', async () => {
    const { context, page } = await signedInContext(world, world.owner.client);
    // The index cannot sync until released: every /sync socket is closed at once.
    let held = true;
    await context.routeWebSocket(/\/sync(\?|$)/, async (ws) => {
      if (held) await ws.close({ code: 1001, reason: 'held by the test' });
      else ws.connectToServer();
    });
    await page.goto(`${world.base}/w/${world.slug}`);
    await expect.poll(() => titlesOf(page, 'first-page')).toEqual(TITLES);
    // Shown, not acted on: the rows are inert until their index rows are here.
    expect(await page.locator('[data-rows=first-page]').getAttribute('inert')).not.toBeNull();
    const before = await page.getByTestId('ticket-row').first().boundingBox();

    held = false;
    await expect.poll(() => titlesOf(page, 'live'), { timeout: 60_000 }).toEqual(TITLES);
    // The same rows in the same places: nothing moves when they turn live.
    expect(await page.getByTestId('ticket-row').first().boundingBox()).toEqual(before);
    expect(await page.locator('[data-rows=live]').getAttribute('inert')).toBeNull();
    await context.close();
  });

  it('paints the rows kept last time on a reload, before the local copy’s index is decoded', async () => {
    const { context, page } = await signedInContext(world, world.owner.client);
    await page.addInitScript(() => {
      localStorage.setItem('desk:debug', 'timing');
      // Whatever kept rows appear, however briefly (3 tickets decode within a frame).
      const seen: string[][] = [];
      const w = window as unknown as { keptRows: string[][]; keptTop: number };
      w.keptRows = seen;
      new MutationObserver(() => {
        const rows = document.querySelectorAll('[data-rows=kept] [data-testid=ticket-row]');
        const titles = [...rows].map((row) => row.querySelector<HTMLElement>('a.title')!.innerText);
        if (titles.length && seen.length === 0) {
          seen.push(titles);
          w.keptTop = rows[0]!.getBoundingClientRect().top;
        }
      }).observe(document, { childList: true, subtree: true });
    });
    await page.goto(`${world.base}/w/${world.slug}`);
    await expect.poll(() => titlesOf(page, 'live'), { timeout: 60_000 }).toEqual(TITLES);
    // Kept from the live list (written a second after it settles).
    await expect
      .poll(() =>
        page.evaluate(async () => (await indexedDB.databases()).map((db) => db.name ?? '')),
      )
      .toContainEqual(expect.stringMatching(/first-screen$/));
    await until(
      async () =>
        (await page.evaluate(async () => {
          const name = (await indexedDB.databases()).find((d) =>
            d.name?.endsWith('first-screen'),
          )!.name!;
          return new Promise<number>((resolve) => {
            const open = indexedDB.open(name);
            open.onsuccess = () => {
              const count = open.result.transaction('screens').objectStore('screens').count();
              count.onsuccess = () => {
                open.result.close();
                resolve(count.result);
              };
            };
          });
        })) > 0,
      'the first screen to be kept',
    );

    await page.reload();
    await expect.poll(() => titlesOf(page, 'live')).toEqual(TITLES);
    const kept = await page.evaluate(() => {
      const w = window as unknown as { keptRows: string[][]; keptTop: number };
      return { keptRows: w.keptRows, keptTop: w.keptTop };
    });
    expect(kept.keptRows).toEqual([TITLES]);
    // Where the live rows then are (within a pixel): nothing jumps when they take over.
    const liveTop = (await page.getByTestId('ticket-row').first().boundingBox())!.y;
    expect(Math.abs(kept.keptTop - liveTop)).toBeLessThan(1);
    // Painted before the index was read and decoded, not after.
    const marks = await page.evaluate(() =>
      Object.fromEntries(
        performance
          .getEntriesByType('mark')
          .filter((m) => m.name.startsWith('desk:'))
          .map((m) => [m.name, m.startTime]),
      ),
    );
    expect(marks['desk:first-screen']).toBeLessThan(marks['desk:local-copy-loaded']!);
    await context.close();
  });
});
