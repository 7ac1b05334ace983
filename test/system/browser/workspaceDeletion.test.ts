import * as Y from 'yjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTicket, docIds, TicketDoc, WorkspaceIndex } from '@desk/model';
import { STRONG_PASSWORD } from '../../../sync-server/src/testing/authTestServer.ts';
import { describeInBrowser, signedInContext } from '../../support/browserWorld.ts';
import { startDeskWorld, type DeskWorld } from './deskSupport.ts';
import { storedDocIds } from './offlineIndexedDb.ts';

/**
 * An owner deletes the workspace from its settings (issue 16): the danger zone says what
 * happens; the open desk of a member says the workspace is being deleted and forgets its copy;
 * the owner lands on the workspace's deletion page, cancels there, and the desk opens again.
 */
describeInBrowser('deleting a workspace in the browser', () => {
  let world: DeskWorld;

  beforeAll(async () => {
    world = await startDeskWorld();
  });

  afterAll(async () => {
    await world?.close();
  });

  /** Ticket 1, written into the sync engine as the app writes it. */
  async function seedTicket(workspaceId: string): Promise<number> {
    const block = await world.owner.client.post<{ from: number }>(
      `/api/workspaces/${world.slug}/ticket-numbers`,
      { count: 1 },
    );
    const indexDoc = new Y.Doc();
    const index = new WorkspaceIndex(indexDoc);
    index.ensureSchema();
    const ticketDoc = new Y.Doc();
    const ticket = new TicketDoc(ticketDoc);
    ticket.ensureSchema();
    const id = 'deletionticketaaaaaa';
    const ana = { id: world.owner.userId, name: world.owner.name };
    createTicket(
      index,
      ticket,
      { id, title: 'Printer on fire', number: block.body.from },
      ana,
      Date.now() - 60_000,
    );
    await world.server.sync.applyServerUpdate(
      docIds.ticket(workspaceId, id),
      Y.encodeStateAsUpdate(ticketDoc),
    );
    await world.server.sync.applyServerUpdate(
      docIds.index(workspaceId),
      Y.encodeStateAsUpdate(indexDoc),
    );
    return block.body.from;
  }

  it('closes it for every member at once, the member’s device forgets it, and the owner cancels from its page', async () => {
    const ana = (await signedInContext(world, world.owner.client)).page;
    const bo = (await signedInContext(world, world.agent.client)).page;
    const workspaceId = (await world.server.services.control.workspaces.bySlug(world.slug))!.id;
    const ofWorkspace = async () =>
      (await storedDocIds(bo, world.agent.userId)).filter((id) => id.startsWith(`${workspaceId}:`));

    // Bo has a ticket open: a copy of the workspace on this device.
    const number = await seedTicket(workspaceId);
    await bo.goto(`${world.base}/w/${world.slug}/t/${number}`);
    await bo.getByRole('heading', { level: 1, name: 'Printer on fire' }).waitFor();
    await expect.poll(ofWorkspace).not.toEqual([]);

    // Ana, in the settings' danger zone: the consequences in words, then name and password.
    await ana.goto(`${world.base}/w/${world.slug}/settings`);
    const zone = ana.getByRole('region', { name: 'Delete this workspace' });
    expect(await zone.innerText()).toContain('For 7 days you can cancel the deletion');
    const button = zone.getByRole('button', { name: 'Delete workspace' });
    await zone.getByLabel('Your password').fill(STRONG_PASSWORD);
    expect(await button.isDisabled()).toBe(true); // the name is not typed yet
    await zone.getByLabel(/Type the workspace's name/).fill('Acme Support');
    await button.click();

    // Ana lands on the workspace's deletion page, with the way back.
    const cancel = ana.getByTestId('cancel-deletion');
    await cancel.waitFor();
    expect(await ana.getByTestId('deletion-words').innerText()).toContain(
      "“Acme Support” is being deleted at its owner's request.",
    );

    // Bo's open desk says what happened and deletes the copy; only the owner can cancel.
    await bo
      .getByTestId('forget-notice')
      .filter({
        hasText: 'Acme Support is being deleted. Its data has been deleted from this device.',
      })
      .waitFor();
    expect(await bo.getByTestId('deletion-pending').innerText()).toContain(
      "Only the workspace's owner can cancel the deletion.",
    );
    await expect.poll(ofWorkspace).toEqual([]);
    expect(await bo.evaluate(async () => (await fetch('/api/workspaces')).status)).toBe(200);

    // Ana cancels: the desk opens again, and Bo gets it back on his next visit.
    await cancel.click();
    await ana.getByText('Printer on fire').first().waitFor();
    await bo.goto(`${world.base}/w/${world.slug}/t/${number}`);
    await bo.getByRole('heading', { level: 1, name: 'Printer on fire' }).waitFor();
    await expect.poll(ofWorkspace).not.toEqual([]);
  });
});
