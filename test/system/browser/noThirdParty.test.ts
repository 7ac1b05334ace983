import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hashPassword } from '../../../sync-server/src/identity/passwords.ts';
import { signUp } from '../../../sync-server/src/testing/authTestServer.ts';
import { testImage } from '../../../sync-server/src/testing/testImages.ts';
import { createOperator } from '../../../sync-server/src/cli/createOperator.ts';
import {
  describeInBrowser,
  signedInContext,
  startBrowserWorld,
  type BrowserWorld,
} from '../../support/browserWorld.ts';
import { uploadToTicket } from './uploadToTicket.ts';

/**
 * Terms §5 (issue 16): the app makes no third-party requests and ships no analytics. Every
 * request of every page and worker of the browser context (`context.on('request')`) and
 * every WebSocket a page opens is recorded across the app's main pages — login, sign-up,
 * the desk list, a workspace's tickets, board, a ticket with an attachment and link cards to
 * Google Drive and Dropbox (a link card must not fetch the linked page), notices, messages,
 * mentions, settings, snapshots, the account page and the operator console — and each must
 * go to the app's own origin.
 */
const PASSWORD = 'nothing leaves this origin 42';

describeInBrowser('no third-party requests (terms §5)', () => {
  let world: BrowserWorld;

  beforeAll(async () => {
    world = await startBrowserWorld();
  });

  afterAll(async () => {
    await world?.close();
  });

  /** Records every request and WebSocket URL of a context, its pages and its workers. */
  function record(context: BrowserContext): string[] {
    const urls: string[] = [];
    context.on('request', (request) => urls.push(request.url()));
    const watch = (page: Page) => page.on('websocket', (ws) => urls.push(ws.url()));
    for (const page of context.pages()) watch(page);
    context.on('page', watch);
    return urls;
  }

  /** Opens a page of the app and waits until it has loaded what it loads. */
  async function visit(page: Page, path: string): Promise<void> {
    await page.goto(`${world.base}${path}`);
    await page.locator('main, h1, h2').first().waitFor();
    await page.waitForLoadState('networkidle');
  }

  /** URLs that left the app's origin (data: and blob: never leave the browser). */
  function foreign(urls: readonly string[]): string[] {
    const origin = new URL(world.base);
    return urls.filter((raw) => {
      const url = new URL(raw);
      if (url.protocol === 'data:' || url.protocol === 'blob:') return false;
      const sameHost = url.host === origin.host;
      return !(sameHost && ['http:', 'ws:'].includes(url.protocol));
    });
  }

  it('requests only its own origin on every main page, link cards included', async () => {
    // Signed out: the login and sign-up pages.
    const anonymous = await world.browser.newContext();
    const anonymousUrls = record(anonymous);
    const visitor = await anonymous.newPage();
    await visit(visitor, '/login');
    await visit(visitor, '/signup');
    await anonymous.close();

    // A member's desk: every page of a workspace, and a ticket with an attachment and links.
    const owner = await signUp(world, { displayName: 'Priya Owner', password: PASSWORD });
    const { context, page } = await signedInContext(world, owner.client);
    const urls = record(context);
    await visit(page, '/');
    const desk = `/w/${owner.slug}`;
    await visit(page, desk);
    await page.getByRole('button', { name: /New ticket/ }).click();
    const dialog = page.getByRole('dialog', { name: 'New ticket' });
    await dialog.getByLabel('Title').fill('Contract scan is unreadable');
    await dialog.getByRole('button', { name: 'Create ticket' }).click();
    await page.waitForURL(/\/t\/[^/]+$/);
    const ticketPath = new URL(page.url()).pathname;
    await uploadToTicket(page, {
      name: 'scan.png',
      mimeType: 'image/png',
      buffer: await testImage('png', 800, 600),
    });
    await page.getByTestId('attachment').filter({ hasText: 'scan.png' }).waitFor();
    const composer = page.getByTestId('composer');
    await composer.fill(
      'The original is at https://drive.google.com/file/d/1AbC/view and a copy at https://www.dropbox.com/s/xyz/contract.pdf',
    );
    await page.getByTestId('send').click();
    const cards = page.getByTestId('comment').getByTestId('link-card');
    await expect
      .poll(() => cards.evaluateAll((els) => els.map((e) => e.dataset.provider)))
      .toEqual(['google_drive', 'dropbox']);
    await visit(page, ticketPath);
    await page.getByTestId('link-card').first().waitFor();
    await page.getByRole('img', { name: 'scan.png' }).waitFor();
    for (const path of ['board', 'notices', 'messages', 'mentions', 'settings', 'snapshots']) {
      await visit(page, `${desk}/${path}`);
    }
    await visit(page, '/account');
    await context.close();

    // The operator console.
    await createOperator(world.server.services.control, {
      email: 'ops@example.com',
      displayName: 'Ops',
      passwordHash: await hashPassword(PASSWORD),
    });
    const opsContext = await world.browser.newContext();
    const opsUrls = record(opsContext);
    const ops = await opsContext.newPage();
    await ops.goto(`${world.base}/login`);
    await ops.getByLabel('Email').fill('ops@example.com');
    await ops.getByLabel('Password').fill(PASSWORD);
    await ops.getByRole('button', { name: 'Log in' }).click();
    // The CLI's account accepts the terms first (the terms page is a main page too).
    await ops.waitForURL('**/terms');
    await ops.getByTestId('terms-text').filter({ hasText: 'Term of Services' }).waitFor();
    await ops.waitForLoadState('networkidle');
    await ops.getByRole('button', { name: 'I accept the terms of service' }).click();
    await ops.waitForURL((url) => !url.pathname.endsWith('/terms'));
    await visit(ops, '/operator');
    await ops.locator(`[data-workspace="${owner.slug}"]`).waitFor();
    await ops.waitForLoadState('networkidle');
    await opsContext.close();

    const all = [...anonymousUrls, ...urls, ...opsUrls];
    // Not vacuous: the pages, the API, the attachment and the sync socket were all recorded.
    expect(all.some((url) => url.includes('/api/'))).toBe(true);
    expect(all.some((url) => /\/blobs\//.test(url))).toBe(true);
    expect(all.some((url) => url.startsWith('ws://') && url.includes('/sync'))).toBe(true);
    expect(all.some((url) => url.includes('/operator'))).toBe(true);
    // The check itself catches a linked page, were it fetched.
    expect(foreign(['https://drive.google.com/file/d/1AbC/view'])).toHaveLength(1);
    expect(foreign(all)).toEqual([]);
  });
});
