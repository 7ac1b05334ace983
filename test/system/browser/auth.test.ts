import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  describeInBrowser,
  startBrowserWorld,
  type BrowserWorld,
} from '../../support/browserWorld.ts';
import { linkFromOutbox } from '../../support/outbox.ts';

/**
 * Sign-up (form, emailed link) → log in → log out everywhere, in Chromium against the real server serving the
 * built web app (`pnpm build` first).
 */
describeInBrowser('accounts in the browser', () => {
  let world: BrowserWorld;

  beforeAll(async () => {
    world = await startBrowserWorld();
  });

  afterAll(async () => {
    await world?.close();
  });

  async function meStatus(page: Page): Promise<number> {
    return page.evaluate(async () => (await fetch('/api/auth/me')).status);
  }

  it('signs up, logs out, logs in with the keyboard, and logs out everywhere', async () => {
    const { browser, base } = world;
    const email = 'browser.owner@example.com';
    const password = 'a quiet harbour at dawn';
    const context = await browser.newContext();
    const page = await context.newPage();
    // Logging out asks to confirm when this device still holds unsynced work (the new
    // workspace's first documents may still be on their way); say yes.
    page.on('dialog', (dialog) => void dialog.accept());

    // The home page sends a visitor without a session to the login page.
    await page.goto(base + '/');
    await page.waitForURL('**/login');
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.waitForURL('**/signup');

    await page.getByLabel('Your name').fill('Browser Owner');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password', { exact: true }).fill('short');
    await page.getByLabel('Organization name').fill('Harbour Ltd');
    await page.getByLabel('Workspace name').fill('Harbour Support');
    await expect
      .poll(() => page.getByLabel('Workspace address').inputValue())
      .toBe('harbour-support');
    await page.getByLabel('I accept the terms of service').check();
    await page.getByRole('button', { name: 'Create account' }).click();
    // The server's words appear inline under the field.
    await expect
      .poll(() => page.locator('.field-error').first().textContent())
      .toContain('at least 10 characters');
    expect(await page.getByLabel('Password', { exact: true }).getAttribute('aria-invalid')).toBe(
      'true',
    );

    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Create account' }).click();
    // Nothing is made and nobody is logged in until the emailed link is opened.
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    expect(await meStatus(page)).toBe(401);

    // The link from the mail, opened in the same browser: one click finishes.
    const link = linkFromOutbox(world.server.ctx.config.DATA_DIR, email, '/signup/confirm');
    await page.goto(link);
    await page.getByRole('button', { name: 'Create my account' }).click();
    await page.waitForURL('**/w/harbour-support');
    expect(await meStatus(page)).toBe(200);

    // Log out from the account page.
    await page.goto(base + '/account');
    await page.getByRole('heading', { name: 'Where you are logged in' }).waitFor();
    await page
      .getByRole('navigation', { name: 'Account' })
      .getByRole('button', { name: 'Log out' })
      .click();
    await page.waitForURL('**/login?notice=logged-out');
    expect(await meStatus(page)).toBe(401);

    // Log in again using only the keyboard.
    await page.getByLabel('Email').focus();
    await page.keyboard.type(email);
    await page.keyboard.press('Tab');
    await page.keyboard.type('a wrong password!');
    await page.keyboard.press('Enter');
    await page.getByRole('alert').getByText('The email or password is wrong.').waitFor();
    await page.getByLabel('Password').fill(password);
    await page.keyboard.press('Enter');
    await page.waitForURL('**/w/harbour-support');

    // A second device.
    const other = await browser.newContext();
    const otherPage = await other.newPage();
    await otherPage.goto(base + '/login');
    await otherPage.getByLabel('Email').fill(email);
    await otherPage.getByLabel('Password').fill(password);
    await otherPage.getByRole('button', { name: 'Log in' }).click();
    await otherPage.waitForURL('**/w/harbour-support');

    // The session list shows both, this one marked; then log out everywhere.
    await page.goto(base + '/account');
    const sessions = page.locator('section', {
      has: page.getByRole('heading', { name: 'Where you are logged in' }),
    });
    await expect.poll(() => sessions.locator('li').count()).toBe(2);
    expect(await sessions.getByText('This session').count()).toBe(1);
    await page.getByRole('button', { name: 'Log out everywhere' }).click();
    await page.waitForURL('**/login?notice=logged-out-everywhere');
    await page.getByText('You are logged out on every device.').waitFor();
    expect(await meStatus(page)).toBe(401);
    expect(await meStatus(otherPage)).toBe(401);

    await other.close();
    await context.close();
  });
});
