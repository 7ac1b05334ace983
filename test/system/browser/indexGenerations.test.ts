import { expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  indexDocId,
  indexHeadDocId,
  rewriteIndex,
  setHeadGeneration,
  WorkspaceIndex,
} from '@desk/model';
import { until } from '@desk/protocol/testing';
import { describeInBrowser, type BrowserWorld } from '../../support/browserWorld.ts';
import { signUpOwner, type Account, type Workspace } from './offlineAccounts.ts';
import { storedDocIds } from './offlineIndexedDb.ts';
import { loadSynced, openSignedInPage } from './offlinePage.ts';
import { seedTickets } from './offlineTickets.ts';
import { useOfflineWorld } from './offlineWorld.ts';

/**
 * What the server's rewriter does (SPEC IDX-GEN-1; its trigger is tested against the real
 * server in test/system/sync/indexGenerations.test.ts): generation 2 from generation 1,
 * generation 1 pointed at it, the head; then a ticket written to generation 2 only.
 */
async function rewriteThenWrite(
  world: BrowserWorld,
  owner: Account,
  workspace: Workspace,
  title: string,
): Promise<void> {
  const sync = world.server.sync;
  const g1 = new Y.Doc();
  Y.applyUpdate(g1, await sync.readDocState(indexDocId(workspace.id, 1)));
  const { nextState, markReplaced } = rewriteIndex(g1);
  await sync.applyServerUpdate(indexDocId(workspace.id, 2), nextState);
  await sync.applyServerUpdate(indexDocId(workspace.id, 1), markReplaced);
  await sync.applyServerUpdate(indexHeadDocId(workspace.id), setHeadGeneration(new Y.Doc(), 2));
  const g2 = new Y.Doc();
  Y.applyUpdate(g2, nextState);
  const before = Y.encodeStateVector(g2);
  new WorkspaceIndex(g2).tickets.create(
    { id: 'aftertherewrite00001', title, number: null },
    { id: owner.userId, name: owner.name },
    Date.now(),
  );
  await sync.applyServerUpdate(indexDocId(workspace.id, 2), Y.encodeStateAsUpdate(g2, before));
}

describeInBrowser('index generations in the app (issue 15 #4)', () => {
  const offline = useOfflineWorld();

  it('IDX-GEN-2 and IDX-GEN-4: an open page switches without a reload, a new device opens the head and generation 2 only', async () => {
    const { world } = offline;
    const { owner, workspace } = await signUpOwner(world, 'Gene', 'generations');
    await seedTickets(world, owner, workspace, 3);
    const workspaceUrl = `${world.base}/w/${workspace.slug}`;

    const open = await openSignedInPage(world, owner);
    await loadSynced(open.page, workspaceUrl);
    await open.page.getByText('Seeded ticket 3').first().waitFor();
    await rewriteThenWrite(world, owner, workspace, 'Written after the rewrite');
    // The page open across the rewrite brings generation 2 onto the device and switches to
    // it in place (the next test: the list keeps its place); a reload opens it from the copy.
    await open.page.getByText('Written after the rewrite').first().waitFor();
    expect(await open.page.getByTestId('index-moved').count()).toBe(0);
    await open.page.reload();
    await open.page.getByText('Written after the rewrite').first().waitFor();

    const fresh = await openSignedInPage(world, owner);
    await loadSynced(fresh.page, workspaceUrl);
    await fresh.page.getByText('Written after the rewrite').first().waitFor();
    await fresh.page.getByText('Seeded ticket 1').first().waitFor();
    let stored: string[] = [];
    await until(async () => {
      stored = await storedDocIds(fresh.page, owner.userId);
      return stored.includes(indexDocId(workspace.id, 2));
    }, 'generation 2 kept on the new device');
    expect(stored).not.toContain(indexDocId(workspace.id, 1));
    await Promise.all([open.context.close(), fresh.context.close()]);
  }, 180_000);

  it('IDX-GEN-2: a page open across the rewrite switches to generation 2 in place, keeping the query, the selection and the scroll', async () => {
    const { world } = offline;
    const { owner, workspace } = await signUpOwner(world, 'Inplace', 'inplace');
    await seedTickets(world, owner, workspace, 60);
    const { page, context } = await openSignedInPage(world, owner);
    await loadSynced(page, `${world.base}/w/${workspace.slug}`);
    await page.getByText('Seeded ticket 60').first().waitFor();
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    // The user's place in the list: a typed query, a scrolled list, a selected row.
    await page.getByTestId('search').fill('seeded');
    await page.getByTestId('ticket-count').filter({ hasText: /^60$/ }).waitFor();
    const viewport = page.locator('.viewport').first();
    await viewport.evaluate((el) => (el.scrollTop = 440));
    await until(
      async () => (await viewport.evaluate((el) => el.scrollTop)) === 440,
      'the list scrolled',
    );
    const row = page.getByTestId('ticket-row').filter({ hasText: 'Seeded ticket 45' });
    await row.getByRole('checkbox').check();
    await page.getByText('1 selected').waitFor();

    await rewriteThenWrite(world, owner, workspace, 'Seeded after the rewrite');
    // The row written to generation 2 only shows up without a reload: the page switched.
    await page.getByTestId('ticket-count').filter({ hasText: /^61$/ }).waitFor();
    expect(await page.getByTestId('search').inputValue()).toBe('seeded');
    expect(await viewport.evaluate((el) => el.scrollTop)).toBe(440);
    await page.getByText('1 selected').waitFor();
    expect(await row.getByRole('checkbox').isChecked()).toBe(true);
    expect(await page.getByTestId('index-moved').count()).toBe(0);
    expect(
      await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded),
    ).toBe(true);
    // At the top of the list: the new row, as the list shows it.
    await viewport.evaluate((el) => (el.scrollTop = 0));
    await page.getByText('Seeded after the rewrite').first().waitFor();
    await context.close();
  }, 180_000);
});
