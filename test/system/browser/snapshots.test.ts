import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { signUp } from '../../../sync-server/src/auth/testSupport.ts';
import {
  createTicket,
  editDoc,
  ticketRow,
} from '../../../sync-server/src/snapshots/snapshotTestSupport.ts';
import {
  describeInBrowser,
  signedInContext,
  startBrowserWorld,
  type BrowserWorld,
} from '../../support/browserWorld.ts';

/**
 * An admin restores a deleted ticket from the snapshots page and undoes it, in Chromium
 * against the real server serving the built web app (`pnpm build` first).
 */
describeInBrowser('snapshots in the browser', () => {
  let world: BrowserWorld;

  beforeAll(async () => {
    world = await startBrowserWorld();
  });

  afterAll(async () => {
    await world?.close();
  });

  it('brings back a deleted ticket after a confirmation, and undoes it', async () => {
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
    await page.screenshot({ path: path.join(os.tmpdir(), 'desk-snapshots-page.png') });

    await page.getByRole('status').getByRole('button', { name: 'Undo' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Undo restore' }).click();
    await page.getByText('Gone since').waitFor();
    expect(await ticketRow(server.sync, ws, 't1')).toBeNull();
    await context.close();
  });
});
