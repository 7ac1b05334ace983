import type { Page } from 'playwright-core';
import * as Y from 'yjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { docIds, TicketIndex, WorkspaceIndex } from '@desk/model';
import type { TicketSearchResponse } from '@desk/protocol';
import { until } from '@desk/protocol/testing';
import { editDoc, paragraph } from '../../../sync-server/src/testing/snapshotTestSupport.ts';
import { describeInBrowser } from '../../support/browserWorld.ts';
import { openDeskPages, type DeskWorld } from './deskSupport.ts';

/**
 * Ticket search in Chromium against the real server and the built app (issue 15): the
 * device's own full-text index answers words of a description, also after a reload (it is
 * kept in IndexedDB), and the server's search finds a ticket this device does not hold (in
 * an archived month not loaded here), shown below the list (never among its rows), marked
 * as not on this device and linked. The board searches alike.
 */
describeInBrowser('ticket search in the browser', () => {
  let world: DeskWorld;
  let ana: Page;
  let workspaceId: string;

  beforeAll(async () => {
    ({ world, ana } = await openDeskPages());
    workspaceId = (await world.server.services.control.workspaces.bySlug(world.slug))!.id;
  });

  afterAll(async () => {
    await world?.close();
  });

  const rows = () => ana.getByTestId('ticket-row');

  async function search(text: string): Promise<void> {
    await ana.getByTestId('search').fill(text);
  }

  it('finds a ticket by a word of its description, on this device and after a reload', async () => {
    await ana.goto(`${world.base}/w/${world.slug}`);
    await ana.getByText('No tickets yet').waitFor();
    for (const title of ['Toner cartridge', 'Monitor flickers']) {
      await ana.getByRole('button', { name: /New ticket/ }).click();
      const dialog = ana.getByRole('dialog', { name: 'New ticket' });
      await dialog.getByLabel('Title').fill(title);
      await dialog.getByRole('button', { name: 'Create ticket' }).click();
      await ana.getByRole('heading', { level: 1, name: title }).waitFor();
      if (title === 'Toner cartridge') {
        await ana.getByTestId('description').click();
        await ana
          .getByTestId('description')
          .pressSequentially('The magenta one leaks', { delay: 5 });
      }
      await ana
        .getByRole('navigation', { name: 'Workspace' })
        .getByRole('link', { name: 'Tickets', exact: true })
        .click();
    }
    await expect.poll(() => rows().count()).toBe(2);

    await search('magen');
    await expect.poll(() => rows().count()).toBe(1);
    await expect.poll(() => rows().first().innerText()).toContain('Toner cartridge');
    await search('monitor');
    await expect.poll(() => rows().count()).toBe(1);

    // The index is kept on the device: a reload finds the description without the server.
    const database = `search:${workspaceId}`;
    await expect
      .poll(() =>
        ana.evaluate(async () => (await indexedDB.databases()).map((db) => db.name ?? '')),
      )
      .toContainEqual(expect.stringContaining(database));
    await ana.reload();
    await search('magenta leaks');
    await expect.poll(() => rows().count()).toBe(1);
    await expect.poll(() => rows().first().innerText()).toContain('Toner cartridge');
  });

  it('shows what the server finds for tickets not on this device below the list, marked so and linked', async () => {
    const month = '2025-01';
    await editDoc(world.server.sync, docIds.ticket(workspaceId, 'archived1'), (doc: Y.Doc) => {
      doc.getXmlFragment('description').insert(0, [paragraph('Customs paperwork from Zanzibar')]);
    });
    await editDoc(world.server.sync, docIds.archive(workspaceId, month), (doc: Y.Doc) => {
      new TicketIndex(doc).create(
        { id: 'archived1', title: 'Shipment held', number: 777, status: 'closed' },
        { id: 'u', name: 'U' },
        Date.parse('2025-01-10'),
      );
    });
    await editDoc(world.server.sync, docIds.index(workspaceId), (doc: Y.Doc) => {
      new WorkspaceIndex(doc).archives.add(month);
    });

    // The server projects changed docs within a second or so (its change sequence, polled):
    // the ticket doc (its words) and the shard (its number and title) each in turn.
    await until(async () => {
      const res = await world.owner.client.get<TicketSearchResponse>(
        `/api/workspaces/${world.slug}/search?q=zanzibar`,
      );
      return res.body.hits.length === 1 && res.body.hits[0]!.number === 777;
    }, 'the server to find the archived ticket, with its number');
    await search('zanzibar');
    // Below the list, one line whatever the server answers; the hits open on request.
    const hits = ana.getByTestId('server-hits');
    await hits.waitFor();
    const toggle = hits.getByTestId('server-hits-toggle');
    await expect.poll(() => toggle.innerText()).toContain('Also found on the server (1)');
    await toggle.click();
    await expect.poll(() => hits.innerText()).toMatch(/not on this device/i);
    const link = hits.getByTestId('server-hit');
    await expect.poll(() => link.innerText()).toContain('#777');
    await expect.poll(() => link.innerText()).toContain('Shipment held');
    expect(await link.getAttribute('href')).toBe(`/w/${world.slug}/t/777`);
    await expect.poll(() => rows().count()).toBe(0);
  });

  it('searches the same way on the board: descriptions on this device, the rest below the board', async () => {
    await ana.goto(`${world.base}/w/${world.slug}/board`);
    const cards = ana.getByTestId('board-card');
    await search(''); // the list's query is kept for the session: the last test's text
    await expect.poll(() => cards.count()).toBe(2);
    await search('magenta');
    await expect.poll(() => cards.count()).toBe(1);
    await expect.poll(() => cards.first().innerText()).toContain('Toner cartridge');
    await search('zanzibar');
    await expect.poll(() => cards.count()).toBe(0);
    const toggle = ana.getByTestId('server-hits').getByTestId('server-hits-toggle');
    await expect.poll(() => toggle.innerText()).toContain('Also found on the server (1)');
  });
});
