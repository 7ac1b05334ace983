import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, createServer, loadConfig, type RunningServer } from '@desk/sync-server';
import { hashPassword } from '../../../sync-server/src/auth/passwords.ts';
import { createOperator } from '../../../sync-server/src/cli/createOperator.ts';
import { hasChromium, launchBrowser } from '../../support/browser.ts';
import { freePort } from '../../support/freePort.ts';

/**
 * Workspaces in the browser: the owner invites from the settings page, the invited person
 * registers through the link (token in the URL fragment), the owner sees the seat and its
 * ledger entry, and the operator suspends the workspace from the console, which the
 * settings page then explains. Real server serving the built web app (`pnpm build` first).
 */
const webBuilt = fs.existsSync(path.resolve(import.meta.dirname, '../../../web/build/index.html'));
if (!hasChromium || !webBuilt) {
  console.warn(
    `workspace browser test skipped: ${!hasChromium ? 'no Chromium at /usr/bin/chromium' : 'web app not built (pnpm build)'}`,
  );
}

const PASSWORD = 'a quiet harbour at dawn';

describe.runIf(hasChromium && webBuilt)('workspaces in the browser', () => {
  let server: RunningServer;
  let browser: Browser;
  let closeBrowser: () => Promise<void>;
  let dataDir: string;
  let base: string;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-ws-browser-'));
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

  it('invites by email, accepts by registering, counts the seat, and shows an operator suspension', async () => {
    // The owner signs up through the API (the sign-up page has its own browser test).
    const ownerContext = await browser.newContext();
    const owner = await ownerContext.newPage();
    await owner.goto(base + '/login');
    const signup = await owner.evaluate(async (password) => {
      const res = await fetch('/api/auth/signup', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          email: 'olga@example.com',
          password,
          displayName: 'Olga Owner',
          customer: { kind: 'organization', name: 'Harbour Ltd' },
          workspace: { name: 'Harbour Desk', slug: 'harbour' },
          acceptTerms: true,
        }),
      });
      return res.status;
    }, PASSWORD);
    expect(signup).toBe(201);

    await owner.goto(base + '/w/harbour/settings');
    await owner.getByRole('heading', { name: 'Members' }).waitFor();
    await expect.poll(() => owner.getByTestId('seat-count').textContent()).toContain('1 of 5');
    await owner.getByLabel('Email address').fill('ines@example.com');
    await owner.getByLabel('Role', { exact: true }).selectOption('agent');
    await owner.getByRole('button', { name: 'Send invitation' }).click();
    await owner.getByText('Invitation sent to ines@example.com.').waitFor();

    const mail = server.ctx.db
      .prepare('SELECT text_body FROM mail_outbox WHERE to_address = ?')
      .get('ines@example.com') as { text_body: string };
    const link = /(http\S+\/invite#token=[a-z2-7]+)/.exec(mail.text_body)?.[1];
    expect(link).toBeDefined();

    // The invited person, in their own browser.
    const inviteeContext = await browser.newContext();
    const invitee = await inviteeContext.newPage();
    const requested: string[] = [];
    invitee.on('request', (r) => requested.push(r.url()));
    await invitee.goto(link ?? '');
    await invitee.getByText('Olga Owner', { exact: true }).waitFor();
    await invitee.getByLabel('Your name').fill('Ines Agent');
    await invitee.getByLabel('Password').fill(PASSWORD);
    await invitee.getByLabel('I accept the terms of service.').check();
    await invitee.getByRole('button', { name: 'Create account and join' }).click();
    await invitee.waitForURL('**/w/harbour');
    // The token never appeared in a URL the server saw.
    const token = link?.split('#token=')[1] ?? '';
    expect(requested.some((url) => url.includes(token))).toBe(false);

    // The owner sees the seat, the member and the ledger.
    await owner.reload();
    await owner.getByRole('heading', { name: 'Members' }).waitFor();
    await expect.poll(() => owner.getByTestId('seat-count').textContent()).toContain('2 of 5');
    await owner.getByText('Ines Agent joined as Agent by Olga Owner').waitFor();

    // The operator suspends the workspace from the console.
    const { userId } = createOperator(
      server.ctx.db,
      { email: 'ops@example.com', displayName: 'Ops', passwordHash: await hashPassword(PASSWORD) },
      Date.now(),
    );
    expect(userId).toBeTruthy();
    const opsContext = await browser.newContext();
    const ops = await opsContext.newPage();
    await ops.goto(base + '/login?next=/operator');
    await ops.getByLabel('Email').fill('ops@example.com');
    await ops.getByLabel('Password').fill(PASSWORD);
    await ops.getByRole('button', { name: 'Log in' }).click();
    await ops.waitForURL('**/operator');
    const row = ops.locator('[data-workspace="harbour"]');
    await row.waitFor();
    await expect.poll(() => row.getByTestId('state').textContent()).toBe('Trial');
    ops.on(
      'dialog',
      (dialog) => void dialog.accept(dialog.type() === 'prompt' ? 'unpaid invoice' : undefined),
    );
    await row.getByRole('button', { name: 'Suspend' }).click();
    await expect.poll(() => row.getByTestId('state').textContent()).toBe('Suspended');

    await owner.reload();
    await owner.locator('main').getByText('This workspace is suspended and read-only.').waitFor();
    await owner
      .getByRole('cell', { name: /Operator Ops/ })
      .first()
      .waitFor();

    await Promise.all([ownerContext.close(), inviteeContext.close(), opsContext.close()]);
  });
});
