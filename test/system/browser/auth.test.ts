import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, createServer, loadConfig, type RunningServer } from '@desk/sync-server';
import { hasChromium, launchBrowser } from '../../support/browser.ts';
import { freePort } from '../../support/freePort.ts';

/**
 * Sign-up → log in → log out everywhere, in Chromium against the real server serving the
 * built web app (`pnpm build` first). The server listens on a port chosen up front so
 * PUBLIC_URL, and so the Origin check, match what the browser sends.
 */
const webBuilt = fs.existsSync(path.resolve(import.meta.dirname, '../../../web/build/index.html'));

if (!hasChromium || !webBuilt) {
  console.warn(
    `auth browser test skipped: ${!hasChromium ? 'no Chromium at /usr/bin/chromium' : 'web app not built (pnpm build)'}`,
  );
}

describe.runIf(hasChromium && webBuilt)('accounts in the browser', () => {
  let server: RunningServer;
  let browser: Browser;
  let closeBrowser: () => Promise<void>;
  let dataDir: string;
  let base: string;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-auth-browser-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const config = loadConfig({
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      PUBLIC_URL: base,
      LOG_LEVEL: 'silent',
    });
    server = await createServer(config, createLogger('silent'));
    ({ browser, close: closeBrowser } = await launchBrowser());
  });

  afterAll(async () => {
    await closeBrowser?.();
    await server?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function meStatus(page: Page): Promise<number> {
    return page.evaluate(async () => (await fetch('/api/auth/me')).status);
  }

  it('signs up, logs out, logs in with the keyboard, and logs out everywhere', async () => {
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
