import { afterAll, beforeAll, expect, it } from 'vitest';
import { STRONG_PASSWORD } from '../../../sync-server/src/testing/authTestServer.ts';
import { describeInBrowser } from '../../support/browserWorld.ts';
import { openOperatorConsole } from '../../support/browserAccounts.ts';
import { startDeskWorld, type DeskWorld } from './deskSupport.ts';

/**
 * The operator console lists workspace deletions (issue 16), read-only: a pending one with
 * its name and purge date, and once purged, only its ids and dates.
 */
describeInBrowser('workspace deletions in the operator console', () => {
  let world: DeskWorld;

  beforeAll(async () => {
    world = await startDeskWorld();
  });

  afterAll(async () => {
    await world?.close();
  });

  it('shows a pending deletion by name, then the purged workspace by id only', async () => {
    const workspace = (await world.server.services.control.workspaces.bySlug(world.slug))!;
    const asked = await world.owner.client.post(`/api/workspaces/${world.slug}/deletion`, {
      password: STRONG_PASSWORD,
    });
    expect(asked.status, JSON.stringify(asked.body)).toBe(202);

    const operator = await openOperatorConsole(world);
    const section = operator.page.getByRole('region', { name: 'Workspace deletions' });
    const pending = section.getByRole('list', { name: 'Pending deletions' });
    await pending.locator(`[data-workspace="${world.slug}"]`).getByText(workspace.name).waitFor();
    await pending.getByText('asked by the owner', { exact: false }).waitFor();

    await world.server.deletion.workspaceDeletion.purge(workspace.id, 'owner_request', Date.now());
    await operator.page.reload();
    const purged = section.getByRole('list', { name: 'Purged workspaces' });
    await purged.locator(`[data-workspace-id="${workspace.id}"]`).waitFor();
    await section.getByText('No workspace is waiting to be deleted.').waitFor();
    expect(await section.innerText()).not.toContain(workspace.name);
    await operator.context.close();
  });
});
