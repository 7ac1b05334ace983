import { expect, it } from 'vitest';
import * as Y from 'yjs';
import { docIds, TicketDoc, updateTicket, WorkspaceIndex } from '@desk/model';
import { until } from '@desk/protocol/testing';
import { describeInBrowser } from '../../support/browserWorld.ts';
import { inviteMember, nodeClient } from './offlineAccounts.ts';
import { openOwnerDesk } from './offlineDesk.ts';
import { databaseNames, storedDocIds } from './offlineIndexedDb.ts';
import {
  goOffline,
  loadSynced,
  openSeededTicket,
  waitAllSaved,
  waitForStatus,
} from './offlinePage.ts';
import { descriptionText } from './offlineTickets.ts';
import { useOfflineWorld } from './offlineWorld.ts';

describeInBrowser('working offline (issue 7)', () => {
  const offline = useOfflineWorld();

  it('keeps offline edits, replies and new tickets through an offline reload, then converges with an online colleague', async () => {
    const desk = await openOwnerDesk(offline.world, 'Ana', 'acme', 3);
    const { owner: ana, workspace, workspaceUrl, context, network, page } = desk;
    const [first, second] = desk.tickets;
    const ben = await inviteMember(offline.world, ana, workspace, 'Ben');
    const benClient = await nodeClient(offline.world, ben, workspace);

    await loadSynced(page, workspaceUrl, { serviceWorker: true });

    // Ana opens the first ticket while online, then the network goes away.
    const description = await openSeededTicket(page, workspaceUrl, first!);
    await goOffline(desk, /^Offline since/);

    // Offline: edit the description, reply, create a ticket.
    await description.click();
    await page.keyboard.press('Control+Home');
    await page.keyboard.type('Ana offline. ');
    await page.getByTestId('composer').fill('Reply written offline');
    await page.getByTestId('send').click();
    await page.getByText('Reply written offline').first().waitFor();
    await page.goto(workspaceUrl); // served by the service worker
    await page.getByRole('button', { name: /New ticket/ }).click();
    await page.getByRole('textbox', { name: 'Title' }).fill('Created offline');
    await page.getByRole('button', { name: 'Create ticket' }).click();
    await page.waitForURL(/\/t\//);
    await page.getByText('Created offline').first().waitFor();

    // Meanwhile Ben, online, edits the same description and retitles another ticket.
    const benTicket = benClient.open(docIds.ticket(workspace.id, first!.id));
    const benIndex = benClient.open(docIds.index(workspace.id));
    await Promise.all([benTicket.whenSynced, benIndex.whenSynced]);
    const paragraph = benTicket.doc.getXmlFragment('description').get(0) as Y.XmlElement;
    const text = paragraph.get(0) as Y.XmlText;
    text.insert(text.length, ' Ben online.');
    const benTicketTwo = benClient.open(docIds.ticket(workspace.id, second!.id));
    await benTicketTwo.whenSynced;
    updateTicket(
      new WorkspaceIndex(benIndex.doc),
      new TicketDoc(benTicketTwo.doc),
      second!.id,
      { title: 'Retitled by Ben' },
      { id: ben.userId, name: ben.name },
      Date.now(),
    );
    await until(() => benClient.status.pendingUpdates === 0, 'Ben’s change acknowledged', 30_000);

    // Reloading with unsynced work warns first; still offline, everything is there.
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.type());
      void dialog.accept();
    });
    await page.reload();
    expect(dialogs).toContain('beforeunload');
    await waitForStatus(page, /^Offline/);
    // The count of unsynced docs is read from IndexedDB after the status renders.
    await expect
      .poll(() => page.getByTestId('offline-status').getAttribute('data-unsynced'), {
        timeout: 30_000,
      })
      .not.toBe('0');
    await page.getByText('Created offline').first().waitFor();
    await page.goto(workspaceUrl);
    await page.getByRole('link', { name: 'Created offline' }).waitFor();
    await page.goto(`${workspaceUrl}/t/${first!.number}`);
    await description.filter({ hasText: 'Ana offline. Description of ticket 1.' }).waitFor();
    await page.getByText('Reply written offline').first().waitFor();

    // Back online: both converge, nothing lost.
    await network.online();
    await waitAllSaved(page);
    await description
      .filter({ hasText: 'Ana offline. Description of ticket 1. Ben online.' })
      .waitFor();
    await until(
      () => descriptionText(benTicket.doc) === 'Ana offline. Description of ticket 1. Ben online.',
      'both descriptions merged in Ben’s copy',
      30_000,
    );
    const comments = new TicketDoc(benTicket.doc).listComments();
    expect(comments.map((c) => c.body)).toContain('Reply written offline');

    // The ticket created offline has a number of its own.
    const index = new WorkspaceIndex(benIndex.doc);
    await until(
      () => index.tickets.all().some((t) => t.title === 'Created offline' && t.number),
      'the ticket created offline has a number',
      30_000,
    );
    const numbers = index.tickets.all().map((t) => t.number);
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(numbers).not.toContain(null);

    await page.goto(workspaceUrl);
    await page
      .locator(`[data-ticket-id="${second!.id}"]`)
      .filter({ hasText: 'Retitled by Ben' })
      .waitFor();
    await context.close();
    for (const handle of [benTicket, benIndex, benTicketTwo]) handle.release();
    await benClient.close();
  });

  it('highlights tickets others changed while this device was offline', async () => {
    const desk = await openOwnerDesk(offline.world, 'Ada', 'beta', 3);
    const { owner: ana, workspace, workspaceUrl, context, network, page } = desk;
    const [, second] = desk.tickets;
    const ben = await inviteMember(offline.world, ana, workspace, 'Bob');
    const benClient = await nodeClient(offline.world, ben, workspace);

    await loadSynced(page, workspaceUrl);
    await goOffline(desk, /^Offline since/);

    const benIndex = benClient.open(docIds.index(workspace.id));
    const benTicket = benClient.open(docIds.ticket(workspace.id, second!.id));
    await Promise.all([benIndex.whenSynced, benTicket.whenSynced]);
    updateTicket(
      new WorkspaceIndex(benIndex.doc),
      new TicketDoc(benTicket.doc),
      second!.id,
      { status: 'open', title: 'Changed by Bob' },
      { id: ben.userId, name: ben.name },
      Date.now(),
    );
    await until(() => benClient.status.pendingUpdates === 0, 'Ben’s change acknowledged', 30_000);

    await network.online();
    await waitAllSaved(page);
    const row = page.locator(`[data-ticket-id="${second!.id}"]`);
    await row.filter({ hasText: 'Changed by Bob' }).waitFor();
    expect(await row.getAttribute('data-changed')).toBe('away');
    expect(await page.getByTestId('changed-while-away').innerText()).toContain('1 ticket');
    expect(await page.locator('[data-changed="away"]').count()).toBe(1);

    await context.close();
    benTicket.release();
    benIndex.release();
    await benClient.close();
  });

  it('warns before a logout would delete changes not yet on the server', async () => {
    const desk = await openOwnerDesk(offline.world, 'Lou', 'warned', 1);
    const { owner: ana, workspace, workspaceUrl, context, page } = desk;
    const [first] = desk.tickets;
    await loadSynced(page, workspaceUrl, { serviceWorker: true });
    const description = await openSeededTicket(page, workspaceUrl, first!);
    await goOffline(desk);
    await description.click();
    await page.keyboard.type(' Not on the server yet.');

    const messages: string[] = [];
    let accept = false;
    page.on('dialog', (dialog) => {
      if (dialog.type() === 'confirm') messages.push(dialog.message());
      void (dialog.type() === 'beforeunload' || accept ? dialog.accept() : dialog.dismiss());
    });
    await page.goto(`${offline.world.base}/account`); // offline: the account cannot be loaded
    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    await expect.poll(() => messages.length).toBe(1);
    expect(messages[0]).toMatch(/1 document with changes not yet on the server/);
    expect(await storedDocIds(page, ana.userId)).toContain(docIds.ticket(workspace.id, first!.id));

    accept = true;
    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    await expect
      .poll(async () => (await databaseNames(page)).filter((name) => name.startsWith('desk')))
      .toEqual([]);
    await context.close();
  });

  it('removes the local replica, caches and drafts on logout', async () => {
    const desk = await openOwnerDesk(offline.world, 'Eve', 'gamma', 5);
    const { owner: ana, workspace, tickets, workspaceUrl, context, page } = desk;
    await loadSynced(page, workspaceUrl, { serviceWorker: true });
    await page.evaluate(() => localStorage.setItem('desk:draft:test', 'a reply in progress'));

    // Background replication may still be writing the ticket copies; wait for all of them.
    // The index and the 5 (open) tickets; my user doc is stored once something is written
    // to it (an empty doc is never stamped before its first sync, issue 15).
    const expected = [
      `${workspace.id}:index`,
      ...tickets.map((t) => `${workspace.id}:ticket:${t.id}`),
    ].sort();
    await expect
      .poll(
        async () =>
          (await storedDocIds(page, ana.userId)).filter((id) => !id.includes(':user:')).sort(),
        { timeout: 60_000 },
      )
      .toEqual(expected);
    expect(await page.evaluate(() => caches.keys())).toEqual([expect.stringMatching(/^desk-app-/)]);

    await page.goto(`${offline.world.base}/account`);
    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    await page.waitForURL(/\/login/);

    expect((await databaseNames(page)).filter((name) => name.startsWith('desk'))).toEqual([]);
    expect(await page.evaluate(() => caches.keys())).toEqual([]);
    expect(
      await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('desk'))),
    ).toEqual([]);
    await context.close();
  });
});
