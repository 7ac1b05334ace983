import * as Y from 'yjs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTicket, docIds, postComment, TicketDoc, WorkspaceIndex } from '@desk/model';
import { STRONG_PASSWORD } from '../../../sync-server/src/testing/authTestServer.ts';
import { describeInBrowser, signedInContext } from '../../support/browserWorld.ts';
import { startDeskWorld, type DeskWorld } from './deskSupport.ts';

/**
 * A user deletes their own account from the account page (issue 16): the owner is refused in
 * words while they own the workspace; an agent deletes theirs with the password, lands on the
 * login page with this device's data gone, and the owner sees their reply as "Deleted user".
 */
describeInBrowser('deleting one’s own account in the browser', () => {
  let world: DeskWorld;

  beforeAll(async () => {
    world = await startDeskWorld();
  });

  afterAll(async () => {
    await world?.close();
  });

  /** Ticket 1 by the owner with one public reply by the agent, written into the sync engine. */
  async function ticketWithAgentReply(): Promise<number> {
    const workspaceId = (await world.server.services.control.workspaces.bySlug(world.slug))!.id;
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
    const id = 'leaverticketaaaaaaaa';
    const now = Date.now() - 60_000;
    const ana = { id: world.owner.userId, name: world.owner.name };
    createTicket(
      index,
      ticket,
      { id, title: 'Printer on fire', number: block.body.from },
      ana,
      now,
    );
    const bo = { id: world.agent.userId, name: 'Bo Leaving' };
    postComment(index, ticket, id, { id: 'c1', kind: 'reply', body: 'Put it out.' }, bo, now + 1);
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

  async function deleteFromAccountPage(page: Page, password: string): Promise<void> {
    await page.goto(`${world.base}/account`);
    const section = page.getByRole('region', { name: 'Delete account' });
    await section.getByLabel('Your password').fill(password);
    await section.getByRole('button', { name: 'Delete my account' }).click();
  }

  it('refuses the owner in words, then deletes the agent’s account and shows their reply as "Deleted user"', async () => {
    const number = await ticketWithAgentReply();
    const ana = (await signedInContext(world, world.owner.client)).page;
    const bo = (await signedInContext(world, world.agent.client)).page;

    // The owner: refused, with the workspace named and what to do.
    await deleteFromAccountPage(ana, STRONG_PASSWORD);
    const refusal = ana.getByRole('region', { name: 'Delete account' }).getByRole('alert');
    await expect.poll(() => refusal.textContent()).toContain('Transfer ownership');
    expect(await refusal.textContent()).toContain('Acme Support');

    // The agent opens the desk once (a local replica on this device), then deletes.
    await bo.goto(`${world.base}/w/${world.slug}/t/${number}`);
    await bo.getByTestId('comment').filter({ hasText: 'Put it out.' }).waitFor();
    await deleteFromAccountPage(bo, 'not my password');
    await expect
      .poll(() => bo.getByRole('region', { name: 'Delete account' }).textContent())
      .toContain('This is not your current password.');
    await deleteFromAccountPage(bo, STRONG_PASSWORD);
    await bo.waitForURL(/\/login\?notice=account-deleted/);
    await bo.getByText('Your account is deleted').waitFor();
    expect(await bo.evaluate(async () => (await fetch('/api/auth/me')).status)).toBe(401);
    // This device forgot the account's replicas and remembered identities.
    const names = await bo.evaluate(async () => (await indexedDB.databases()).map((d) => d.name));
    expect(names.filter((name) => name?.startsWith('desk'))).toEqual([]);
    expect(
      await bo.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('desk'))),
    ).toEqual([]);

    // The owner still has the reply, now by "Deleted user".
    await ana.goto(`${world.base}/w/${world.slug}/t/${number}`);
    const reply = ana.getByTestId('comment').filter({ hasText: 'Put it out.' });
    await reply.waitFor();
    expect(await reply.locator('strong').first().textContent()).toBe('Deleted user');
    expect(await ana.getByText('Bo Leaving').count()).toBe(0);
  });
});
