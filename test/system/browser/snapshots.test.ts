import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { signUp } from '../../../sync-server/src/testing/authTestServer.ts';
import {
  contentNow,
  createTicket,
  editDoc,
  paragraph,
  ticketRow,
} from '../../../sync-server/src/testing/snapshotTestSupport.ts';
import {
  describeInBrowser,
  signedInContext,
  startBrowserWorld,
  type BrowserWorld,
} from '../../support/browserWorld.ts';

/**
 * An admin restores a deleted ticket from the snapshots page and undoes it — the undo puts
 * back only what the restore changed and lists what it left alone — in Chromium against the
 * real server serving the built web app (`pnpm build` first).
 */
describeInBrowser('snapshots in the browser', () => {
  let world: BrowserWorld;

  beforeAll(async () => {
    world = await startBrowserWorld();
  });

  afterAll(async () => {
    await world?.close();
  });

  it('brings back a deleted ticket after a confirmation, and undoes only what it changed, listing what it left alone', async () => {
    const { base, server } = world;
    const { client: owner, workspaceId: ws } = await signUp(world, {
      email: 'ana@example.com',
      displayName: 'Ana Admin',
      slug: 'acme',
    });
    await createTicket(server.sync, ws, 't1', 'Printer on fire', 1);
    await createTicket(server.sync, ws, 't2', 'Coffee machine', 2);
    const snap = await owner.post('/api/workspaces/acme/snapshots', { label: 'Friday' });
    expect(snap.status).toBe(201);
    await editDoc(server.sync, `${ws}:index`, (doc) => doc.getMap('tickets').delete('t1'));
    await editDoc(server.sync, `${ws}:ticket:t1`, (doc) => {
      const description = doc.getXmlFragment('description');
      description.delete(0, description.length);
    });

    const { context, page } = await signedInContext(world, owner);
    await page.goto(`${base}/w/acme/snapshots`);
    await page.getByRole('button', { name: /Friday/ }).click();
    await page.getByText('Gone since').waitFor();
    await page.getByRole('button', { name: 'Bring back' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('Printer on fire').waitFor();
    await dialog.getByRole('button', { name: 'Restore', exact: true }).click();
    await page
      .getByRole('status')
      .getByText(/Restored the ticket/)
      .waitFor();
    expect((await ticketRow(server.sync, ws, 't1'))?.title).toBe('Printer on fire');
    expect(await contentNow(server.sync, `${ws}:ticket:t1`)).toContain('Description of');
    await page.screenshot({ path: path.join(os.tmpdir(), 'desk-snapshots-page.png') });

    // Someone writes in the restored description before the undo: that stays.
    await editDoc(server.sync, `${ws}:ticket:t1`, (doc) =>
      doc.getXmlFragment('description').insert(1, [paragraph('Written after the restore')]),
    );

    await page.getByRole('status').getByRole('button', { name: 'Undo' }).click();
    const undoDialog = page.getByRole('dialog');
    await undoDialog.getByText('Only what that restore changed is put back').waitFor();
    await undoDialog.getByRole('button', { name: 'Undo restore' }).click();

    const report = page.getByRole('status', { name: 'Undo result' });
    await report.getByText('Undid the restore of the ticket “#1 Printer on fire”.').waitFor();
    expect(await report.getByRole('list', { name: 'Put back' }).innerText()).toBe(
      'Ticket #1 “Printer on fire” — the whole ticket',
    );
    expect(await report.getByRole('list', { name: 'Left alone' }).innerText()).toBe(
      'Ticket #1 “Printer on fire” — description: changed by someone after the restore',
    );
    await page.screenshot({ path: path.join(os.tmpdir(), 'desk-snapshots-undo.png') });
    await page.getByText('Gone since').waitFor();
    expect(await ticketRow(server.sync, ws, 't1')).toBeNull();
    expect(await contentNow(server.sync, `${ws}:ticket:t1`)).toContain('Written after the restore');
    // The list says the restore was undone, and offers no second undo.
    await page.getByText(/That restore was undone/).waitFor();
    expect(await page.getByRole('button', { name: 'Undo that restore' }).count()).toBe(0);
    await context.close();
  });
});
