import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  BROWSER_PASSWORD as PASSWORD,
  openOperatorConsole,
  signedInOwner,
} from '../../support/browserAccounts.ts';
import {
  allowPageErrors,
  describeInBrowser,
  startBrowserWorld,
  type BrowserWorld,
} from '../../support/browserWorld.ts';
import { linkFromOutbox } from '../../support/outbox.ts';

/**
 * Workspaces in the browser: the owner invites from the settings page, the invited person
 * registers through the link (token in the URL fragment), the owner sees the seat and its
 * ledger entry, and the operator suspends the workspace from the console, which the
 * settings page then explains. Real server serving the built web app (`pnpm build` first).
 */
describeInBrowser('workspaces in the browser', () => {
  let world: BrowserWorld;

  beforeAll(async () => {
    world = await startBrowserWorld();
  });

  afterAll(async () => {
    await world?.close();
  });

  it('invites by email, accepts by registering, counts the seat, and shows an operator suspension', async () => {
    const { browser, base, server } = world;
    // The owner signs up through the API (the sign-up page has its own browser test).
    const { context: ownerContext, page: owner } = await signedInOwner(world, {
      email: 'olga@example.com',
      displayName: 'Olga Owner',
      slug: 'harbour',
    });

    await owner.goto(base + '/w/harbour/settings');
    await owner.getByRole('heading', { name: 'Members' }).waitFor();
    await expect.poll(() => owner.getByTestId('seat-count').textContent()).toContain('1 of 5');
    await owner.getByLabel('Email address').fill('ines@example.com');
    await owner.getByLabel('Role', { exact: true }).selectOption('agent');
    await owner.getByRole('button', { name: 'Send invitation' }).click();
    await owner.getByText('Invitation sent to ines@example.com.').waitFor();

    const link = linkFromOutbox(server.ctx.config.DATA_DIR, 'ines@example.com', '/invite');

    // The invited person, in their own browser.
    const inviteeContext = await browser.newContext();
    const invitee = await inviteeContext.newPage();
    const requested: string[] = [];
    invitee.on('request', (r) => requested.push(r.url()));
    await invitee.goto(link);
    await invitee.getByText('Olga Owner', { exact: true }).waitFor();
    await invitee.getByLabel('Your name').fill('Ines Agent');
    await invitee.getByLabel('Password').fill(PASSWORD);
    // Joining without accepting the terms marks the box and says why, tied to it.
    const terms = invitee.getByLabel('I accept the terms of service.');
    await invitee.getByRole('button', { name: 'Create account and join' }).click();
    await expect.poll(() => terms.getAttribute('aria-invalid')).toBe('true');
    const termsErrorId = (await terms.getAttribute('aria-describedby')) ?? '';
    expect(await invitee.locator(`[id="${termsErrorId}"]`).textContent()).toBe(
      'Accept the terms of service to continue.',
    );
    await terms.check();
    await invitee.getByRole('button', { name: 'Create account and join' }).click();
    await invitee.waitForURL('**/w/harbour');
    // The token never appeared in a URL the server saw.
    const token = link.split('#token=')[1] ?? '';
    expect(requested.some((url) => url.includes(token))).toBe(false);

    // The owner sees the seat, the member and the ledger.
    await owner.reload();
    await owner.getByRole('heading', { name: 'Members' }).waitFor();
    await expect.poll(() => owner.getByTestId('seat-count').textContent()).toContain('2 of 5');
    await owner.getByText('Ines Agent joined as Agent by Olga Owner').waitFor();

    // The operator suspends the workspace from the console.
    const { userId, context: opsContext, page: ops } = await openOperatorConsole(world);
    expect(userId).toBeTruthy();
    const row = ops.locator('[data-workspace="harbour"]');
    await row.waitFor();
    await expect.poll(() => row.getByTestId('state').textContent()).toBe('Trial');
    ops.on(
      'dialog',
      (dialog) => void dialog.accept(dialog.type() === 'prompt' ? 'unpaid invoice' : undefined),
    );
    await row.getByRole('button', { name: 'Suspend' }).click();
    await expect.poll(() => row.getByTestId('state').textContent()).toBe('Suspended');
    // Without SMTP_URL the console shows the outbox (operators only): the invitation is there.
    await ops.getByRole('tab', { name: 'Outbox' }).click();
    await ops
      .locator('[data-to="ines@example.com"]')
      .getByText(/invited you/)
      .waitFor();

    await owner.reload();
    await owner.locator('main').getByText('This workspace is suspended and read-only.').waitFor();
    await owner
      .getByRole('cell', { name: /Operator Ops/ })
      .first()
      .waitFor();

    await Promise.all([ownerContext.close(), inviteeContext.close(), opsContext.close()]);
  });

  it('says in words on the settings page that the audit log could not be loaded, and shows the rest', async () => {
    const { context, page } = await signedInOwner(world, {
      email: 'otto@example.com',
      displayName: 'Otto Owner',
      slug: 'lantern',
    });
    // The connection drops the audit log's request; the browser logs the failed load.
    allowPageErrors(/^Failed to load resource: net::ERR_FAILED$/);
    await page.route('**/api/workspaces/lantern/audit', (route) => route.abort());
    await page.goto(world.base + '/w/lantern/settings');
    await page
      .getByTestId('audit-error')
      .filter({ hasText: 'The audit log could not be loaded.' })
      .waitFor();
    await page.getByRole('heading', { name: 'Members' }).waitFor();
    await context.close();
  });
});
