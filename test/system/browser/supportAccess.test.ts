import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeInBrowser, signedInContext } from '../../support/browserWorld.ts';
import { createTicket } from '../../../sync-server/src/testing/snapshotTestSupport.ts';
import { loginOperator } from '../../../sync-server/src/testing/workspaceTestSupport.ts';
import { startDeskWorld, type DeskWorld } from './deskSupport.ts';

/**
 * Support access in a real browser (issue 16, terms §3): the owner grants it in Settings,
 * the operator opens the workspace from the console and reads a ticket, the owner revokes
 * it and the operator's open page loses the workspace at once; the owner's audit log lists
 * what the operator opened.
 */
describeInBrowser('support access in the browser', () => {
  let world: DeskWorld;

  beforeAll(async () => {
    world = await startDeskWorld();
  });

  afterAll(async () => {
    await world?.close();
  });

  it('is granted in Settings, used from the operator console, revoked, and audited', async () => {
    const workspace = (await world.server.services.control.workspaces.bySlug(world.slug))!;
    await createTicket(world.server.sync, workspace.id, 'support-ticket', 'Printer on fire', 1);

    const owner = await signedInContext(world, world.owner.client);
    await owner.page.goto(`${world.base}/w/${world.slug}/settings`);
    const section = owner.page.getByRole('region', { name: 'Support access' });
    await section.getByText('Support has no access now.').waitFor();
    await section.getByLabel('Why support may look').fill('Ticket 1 will not close');
    await section.getByLabel('For').selectOption({ label: '4 hours' });
    await section.getByRole('button', { name: 'Grant access' }).click();
    await section.getByText('Support can open this workspace now.').waitFor();
    await section.getByText('Ticket 1 will not close').waitFor();

    const operator = await loginOperator(world);
    const console = await signedInContext(world, operator.client);
    await console.page.goto(`${world.base}/operator`);
    await console.page.getByRole('tab', { name: 'Support access' }).click();
    const grants = console.page.getByRole('region', { name: 'Support access' });
    await grants.getByText('Ticket 1 will not close', { exact: false }).waitFor();
    await grants.getByRole('link', { name: `Open ${workspace.name}` }).click();
    await console.page.getByText('Printer on fire').first().waitFor();
    // Every page says the operator is there under the customer's grant, and what it allows.
    await console.page
      .getByTestId('read-only-notice')
      .filter({ hasText: "Support access at the customer's request (read-only)" })
      .waitFor();

    await section
      .getByRole('button', { name: 'Revoke support access: Ticket 1 will not close' })
      .click();
    await section.getByText('Support access ended.', { exact: false }).waitFor();
    await console.page.getByText('Your access to this workspace ended', { exact: false }).waitFor();
    expect((await operator.client.get(`/api/workspaces/${world.slug}`)).status).toBe(404);
    // The operator's device forgets the workspace's local copy, as a removed member's does,
    // and says what ended: the grant, not a membership it never had.
    const forgot = console.page.locator('[data-testid="forget-notice"][data-done="true"]');
    await forgot.waitFor();
    expect(await forgot.locator('strong').innerText()).toBe(
      `Your support access to ${workspace.name} ended: the customer revoked it or it ran out. Its data has been deleted from this device.`,
    );

    await owner.page.reload();
    const audit = owner.page.getByRole('region', { name: /What the operator/ });
    await audit.getByText('Support opened a document').first().waitFor();
    await audit.getByText('Support access revoked').waitFor();
    await section.getByText('Past (1)').waitFor();
    await owner.context.close();
    await console.context.close();
  });
});
