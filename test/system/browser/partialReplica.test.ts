import { expect, it } from 'vitest';
import * as Y from 'yjs';
import { docIds, WorkspaceIndex } from '@desk/model';
import { NEW_TICKET_INDEX_BYTES, type WorkspaceUsageResponse } from '@desk/protocol';
import { plans } from '../../../sync-server/src/billing/plans.ts';
import { describeInBrowser, type BrowserWorld } from '../../support/browserWorld.ts';
import { requestOk, signUpOwner, type Account, type Workspace } from './offlineAccounts.ts';
import { storedDocIds } from './offlineIndexedDb.ts';
import { openSignedInPage, waitAllSaved, waitForServiceWorker } from './offlinePage.ts';
import { reserveTicketNumbers, seedTickets, writeTickets } from './offlineTickets.ts';
import { useOfflineWorld } from './offlineWorld.ts';

const DAY = 24 * 60 * 60 * 1000;

/** One ticket solved 40 days ago by someone else: a device keeps it only in "everything" mode. */
async function seedOldTicket(
  world: BrowserWorld,
  owner: Account,
  workspace: Workspace,
): Promise<{ id: string; number: number }> {
  const [number] = await reserveTicketNumbers(owner, workspace, 1);
  const id = 'oldticket00000000001';
  await writeTickets(world, workspace, [
    {
      id,
      title: 'VPN profile for the old office',
      number: number!,
      status: 'closed',
      description: 'Solved by reinstalling the VPN profile.',
      by: { id: 'former-agent', name: 'Former agent' },
      at: Date.now() - 40 * DAY,
    },
  ]);
  return { id, number: number! };
}

async function usageOf(owner: Account, workspace: Workspace): Promise<WorkspaceUsageResponse> {
  return requestOk(owner.http, 'GET', `/api/workspaces/${workspace.slug}/usage`);
}

/**
 * Grows the index document (a root map the model never reads) to about `target` stored
 * bytes. A map, as the index's own roots are: the server's index rewrite (on by default)
 * copies root maps and keeps their values, so the bytes stay — a root of another type would
 * be dropped by the first rewrite and the workspace would no longer be near its limit.
 */
async function growIndexTo(
  world: BrowserWorld,
  owner: Account,
  workspace: Workspace,
  target: number,
): Promise<void> {
  const { indexBytes } = (await usageOf(owner, workspace)).documents;
  const doc = new Y.Doc();
  doc.getMap(`padding-${indexBytes}`).set('bytes', 'x'.repeat(target - indexBytes - 64));
  await world.server.sync.applyServerUpdate(docIds.index(workspace.id), Y.encodeStateAsUpdate(doc));
}

describeInBrowser('partial replication and honest limits (issue 15)', () => {
  const offline = useOfflineWorld();

  it('keeps what its person needs, fetches the rest when opened, and says so offline', async () => {
    const { world } = offline;
    const { owner, workspace } = await signUpOwner(world, 'Pia', 'partial');
    const open = await seedTickets(world, owner, workspace, 2);
    const old = await seedOldTicket(world, owner, workspace);
    const oldDocId = docIds.ticket(workspace.id, old.id);
    const { context, page, network } = await openSignedInPage(world, owner);
    const workspaceUrl = `${world.base}/w/${workspace.slug}`;

    await page.goto(workspaceUrl);
    await waitForServiceWorker(page);
    await waitAllSaved(page);
    await page.goto(`${workspaceUrl}/settings`);
    await page
      .getByTestId('offline-device-progress')
      .filter({ hasText: '2 of 2 tickets available offline' })
      .waitFor();
    const held = await storedDocIds(page, owner.userId);
    expect(held).toEqual(
      expect.arrayContaining(open.map((t) => docIds.ticket(workspace.id, t.id))),
    );
    expect(held).not.toContain(oldDocId);

    // Offline, the old ticket says it is not on this device instead of looking empty.
    await network.offline();
    await page.goto(`${workspaceUrl}/t/${old.number}`);
    await page
      .getByTestId('ticket-not-here')
      .filter({ hasText: 'This ticket is not on this device' })
      .waitFor();
    expect(await page.getByTestId('description').count()).toBe(0);

    // Online again, it is fetched on demand, and kept: offline it now opens with its content.
    await network.online();
    const description = page
      .getByTestId('description')
      .filter({ hasText: 'Solved by reinstalling the VPN profile.' });
    await description.waitFor({ timeout: 30_000 });
    await waitAllSaved(page);
    await network.offline();
    await page.goto(`${workspaceUrl}/t/${old.number}`);
    await description.waitFor();
    await network.online();
    await context.close();
  }, 180_000);

  it('keeps every ticket, old ones too, once this device is set to everything offline', async () => {
    const { world } = offline;
    const { owner, workspace } = await signUpOwner(world, 'Rae', 'everything');
    await seedTickets(world, owner, workspace, 1);
    const old = await seedOldTicket(world, owner, workspace);
    const { context, page, network } = await openSignedInPage(world, owner);
    const workspaceUrl = `${world.base}/w/${workspace.slug}`;

    await page.goto(workspaceUrl);
    await waitForServiceWorker(page);
    await waitAllSaved(page);
    await page.goto(`${workspaceUrl}/settings`);
    const progress = page.getByTestId('offline-device-progress');
    await progress.filter({ hasText: '1 of 1 ticket available offline' }).waitFor();
    await page.getByRole('radio', { name: /^Everything/ }).check();
    await progress.filter({ hasText: '2 of 2 tickets available offline' }).waitFor();
    await waitAllSaved(page);
    expect(await storedDocIds(page, owner.userId)).toContain(docIds.ticket(workspace.id, old.id));

    // The choice belongs to this device and survives a reload; offline, the old ticket opens.
    await page.reload();
    expect(await page.getByRole('radio', { name: /^Everything/ }).isChecked()).toBe(true);
    await network.offline();
    await page.goto(`${workspaceUrl}/t/${old.number}`);
    await page
      .getByTestId('description')
      .filter({ hasText: 'Solved by reinstalling the VPN profile.' })
      .waitFor();
    await context.close();
  }, 180_000);

  it('warns near the limit and, at the limit, refuses a new ticket up front and creates nothing', async () => {
    const { world } = offline;
    const { owner, workspace } = await signUpOwner(world, 'Quinn', 'nearly-full');
    await seedTickets(world, owner, workspace, 2);
    const limit = plans.trial.documentSizeLimitBytes;
    await growIndexTo(world, owner, workspace, Math.ceil(limit * 0.85));
    const { context, page } = await openSignedInPage(world, owner);
    const workspaceUrl = `${world.base}/w/${workspace.slug}`;

    await page.goto(workspaceUrl);
    const banner = page.getByTestId('usage-banner');
    await banner.filter({ hasText: 'close to a limit of its plan' }).waitFor();
    await page.getByRole('button', { name: /^New ticket/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    expect(await dialog.getByTestId('workspace-full').count()).toBe(0);
    expect(await dialog.getByRole('button', { name: 'Create ticket' }).isEnabled()).toBe(true);
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    await growIndexTo(world, owner, workspace, limit - NEW_TICKET_INDEX_BYTES / 2);
    expect((await usageOf(owner, workspace)).newTickets.allowed).toBe(false);
    await page.reload();
    await banner.filter({ hasText: 'Workspace full — upgrade or archive' }).waitFor();
    await page.getByRole('button', { name: /^New ticket/ }).click();
    await dialog
      .getByTestId('workspace-full')
      .filter({ hasText: 'Workspace full — upgrade or archive' })
      .waitFor();
    await dialog.getByLabel('Title').fill('Would be a phantom');
    expect(await dialog.getByRole('button', { name: 'Create ticket' }).isDisabled()).toBe(true);
    await dialog.getByLabel('Title').press('Enter');
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    // Nothing was created: not in the list, not on the server; reading still works.
    await waitAllSaved(page);
    expect(await page.getByText('Would be a phantom').count()).toBe(0);
    const index = new WorkspaceIndex(new Y.Doc());
    Y.applyUpdate(index.doc, await world.server.sync.readDocState(docIds.index(workspace.id)));
    expect(index.tickets.all().map((t) => t.title)).toEqual(
      expect.not.arrayContaining(['Would be a phantom']),
    );
    expect(index.tickets.size).toBe(2);
    await page.goto(`${workspaceUrl}/t/1`);
    await page.getByTestId('description').filter({ hasText: 'Description of ticket 1.' }).waitFor();
    await context.close();
  }, 180_000);
});
