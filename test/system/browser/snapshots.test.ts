import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, createServer, loadConfig, type RunningServer } from '@desk/sync-server';
import { SESSION_COOKIE } from '../../../sync-server/src/auth/sessionCookie.ts';
import { TestClient } from '../../../sync-server/src/auth/testSupport.ts';
import {
  createTicket,
  editDoc,
  ticketRow,
} from '../../../sync-server/src/snapshots/snapshotTestSupport.ts';
import { hasChromium, launchBrowser } from '../../support/browser.ts';
import { freePort } from '../../support/freePort.ts';

/**
 * An admin restores a deleted ticket from the snapshots page and undoes it, in Chromium
 * against the real server serving the built web app (`pnpm build` first).
 */
const webBuilt = fs.existsSync(path.resolve(import.meta.dirname, '../../../web/build/index.html'));

if (!hasChromium || !webBuilt) {
  console.warn(
    `snapshots browser test skipped: ${!hasChromium ? 'no Chromium at /usr/bin/chromium' : 'web app not built (pnpm build)'}`,
  );
}

describe.runIf(hasChromium && webBuilt)('snapshots in the browser', () => {
  let server: RunningServer;
  let browser: Browser;
  let closeBrowser: () => Promise<void>;
  let dataDir: string;
  let base: string;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-snapshots-browser-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const config = loadConfig({
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      PUBLIC_URL: base,
      LOG_LEVEL: 'silent',
      SNAPSHOT_INTERVAL_MINUTES: '0',
      BACKUP_INTERVAL_HOURS: '0',
    });
    server = await createServer(config, createLogger('silent'));
    ({ browser, close: closeBrowser } = await launchBrowser());
  });

  afterAll(async () => {
    await closeBrowser?.();
    await server?.sync.closeAll();
    await server?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('brings back a deleted ticket after a confirmation, and undoes it', async () => {
    const owner = new TestClient(base, base);
    const signup = await owner.post<{ workspaces: { id: string; slug: string }[] }>(
      '/api/auth/signup',
      {
        email: 'ana@example.com',
        password: 'correct horse battery staple',
        displayName: 'Ana Admin',
        customer: { kind: 'organization', name: 'Acme' },
        workspace: { name: 'Acme Support', slug: 'acme' },
        acceptTerms: true,
      },
    );
    expect(signup.status, JSON.stringify(signup.body)).toBe(201);
    const ws = signup.body.workspaces[0]!.id;
    await createTicket(server.sync, ws, 't1', 'Printer on fire', 1);
    await createTicket(server.sync, ws, 't2', 'Coffee machine', 2);
    const snap = await owner.post('/api/workspaces/acme/snapshots', { label: 'Friday' });
    expect(snap.status).toBe(201);
    await editDoc(server.sync, `${ws}:index`, (doc) => doc.getMap('tickets').delete('t1'));

    const context = await browser.newContext();
    await context.addCookies([{ name: SESSION_COOKIE, value: owner.sessionToken!, url: base }]);
    const page = await context.newPage();
    await page.goto(`${base}/w/acme/snapshots`);
    await page.getByRole('button', { name: /Friday/ }).click();
    await page.getByText('Gone since').waitFor();
    await page.getByRole('button', { name: 'Bring back' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('Printer on fire').waitFor();
    await dialog.getByRole('button', { name: 'Restore', exact: true }).click();
    await page
      .getByRole('status')
      .getByText(/Restored the ticket/)
      .waitFor();
    expect((await ticketRow(server.sync, ws, 't1'))?.title).toBe('Printer on fire');
    await page.screenshot({ path: path.join(os.tmpdir(), 'desk-snapshots-page.png') });

    await page.getByRole('status').getByRole('button', { name: 'Undo' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Undo restore' }).click();
    await page.getByText('Gone since').waitFor();
    expect(await ticketRow(server.sync, ws, 't1')).toBeNull();
    await context.close();
  });
});
