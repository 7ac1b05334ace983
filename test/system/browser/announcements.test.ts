import { afterAll, beforeAll, expect, it } from 'vitest';
import { readOutbox } from '../../support/outbox.ts';
import { describeInBrowser, signedInContext } from '../../support/browserWorld.ts';
import { loginOperator } from '../../../sync-server/src/testing/workspaceTestSupport.ts';
import { startDeskWorld, type DeskWorld } from './deskSupport.ts';

/**
 * Feature announcements in a real browser (issue 16, terms §3): the phone number on the
 * account page (validated, shown, removed), opting out and back in there, the operator
 * sending an announcement from the console and following its progress, and the opt-out link
 * of the email, which changes nothing until the person clicks.
 */
describeInBrowser('feature announcements in the browser', () => {
  let world: DeskWorld;

  beforeAll(async () => {
    world = await startDeskWorld();
  });

  afterAll(async () => {
    await world?.close();
  });

  const receives = (userId: string) => world.server.services.control.announcements.receives(userId);

  it('keeps a valid phone number in the profile, says what it is for, and removes it', async () => {
    const { page } = await signedInContext(world, world.owner.client);
    await page.goto(`${world.base}/account`);
    const profile = page.getByRole('region', { name: 'Profile' });
    await profile
      .getByText('uses it only to tell you about new features', { exact: false })
      .waitFor();

    await profile.getByLabel('Phone (optional)').fill('030 1234567');
    await profile.getByRole('button', { name: 'Save profile' }).click();
    await profile.getByText('with its country code', { exact: false }).first().waitFor();
    expect((await world.server.services.control.users.byId(world.owner.userId))?.phone).toBeNull();

    await profile.getByLabel('Phone (optional)').fill('+49 30 1234567');
    await profile.getByRole('button', { name: 'Save profile' }).click();
    await profile.getByText('Saved number: +49 30 1234567').waitFor();
    expect((await world.server.services.control.users.byId(world.owner.userId))?.phone).toBe(
      '+49 30 1234567',
    );

    await page.reload();
    await profile.getByText('Saved number: +49 30 1234567').waitFor();
    expect(await profile.getByLabel('Phone (optional)').inputValue()).toBe('+49 30 1234567');
    await profile.getByRole('button', { name: 'Remove phone number' }).click();
    await profile.getByText('Saved number:').waitFor({ state: 'detached' });
    expect((await world.server.services.control.users.byId(world.owner.userId))?.phone).toBeNull();
  });

  it('opts out on the account page and back in', async () => {
    const { page } = await signedInContext(world, world.owner.client);
    await page.goto(`${world.base}/account`);
    const section = page.getByRole('region', { name: 'Feature announcements' });
    await section.getByRole('button', { name: 'Stop feature announcements' }).click();
    await section.getByText('You will get no more feature announcements.').waitFor();
    expect(await receives(world.owner.userId)).toBe(false);

    await page.reload();
    await section.getByText('You have opted out').waitFor();
    await section.getByRole('button', { name: 'Get feature announcements again' }).click();
    await section.getByText('You will get feature announcements again.').waitFor();
    expect(await receives(world.owner.userId)).toBe(true);
  });

  it('is sent from the operator console with its progress, and the email’s link opts out only after a click', async () => {
    const operator = await loginOperator(world);
    const { page } = await signedInContext(world, operator.client);
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(`${world.base}/operator`);
    await page.getByRole('tab', { name: 'Announcements' }).click();
    const panel = page.getByRole('region', { name: 'Feature announcements' });
    await panel.getByLabel('Subject').fill('New: ticket templates');
    await panel.getByLabel(/^Text/).fill('Templates are here.\n\nTry them today.');
    await panel.getByLabel('All users').check();
    await panel.getByRole('button', { name: 'Send announcement' }).click();
    const row = panel.getByRole('row').filter({ hasText: 'New: ticket templates' });
    // The console asks for progress while it sends, until the row says Done.
    await row.getByText('Done').waitFor();
    expect(await row.textContent()).toMatch(/(\d+) of \1 sent/);

    // Bo's email, opened in a browser that is not logged in.
    const mail = readOutbox(world.server.ctx.config.DATA_DIR, 'bo.agent@example.com').find((m) =>
      m.subject.endsWith('New: ticket templates'),
    );
    const link = mail && /https?:\/\/\S+\/announcements\/opt-out#token=\S+/.exec(mail.text)?.[0];
    expect(link).toBeDefined();
    const stranger = await (await world.browser.newContext()).newPage();
    await stranger.goto(link!);
    const confirm = stranger.getByRole('button', { name: 'Stop feature announcements' });
    await confirm.waitFor();
    // Opening the link (as a mail scanner does) changed nothing.
    expect(await receives(world.agent.userId)).toBe(true);
    await confirm.click();
    await stranger.getByText('gets no more feature announcements').waitFor();
    expect(await stranger.getByText('bo.agent@example.com').count()).toBe(1);
    expect(await receives(world.agent.userId)).toBe(false);

    // A link whose token was tampered with is refused in words.
    await stranger.goto(`${link!.slice(0, -3)}xyz`);
    await stranger.reload();
    await stranger.getByRole('button', { name: 'Stop feature announcements' }).click();
    await stranger.getByRole('alert').getByText('not valid', { exact: false }).waitFor();
  });
});
