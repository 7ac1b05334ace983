import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeInBrowser } from '../../support/browserWorld.ts';
import { openDeskPages, type DeskWorld } from './deskSupport.ts';

/**
 * The service desk in Chromium with two members in two browser contexts, against the real
 * server and the built web app: collaborative description, live internal notes, presence,
 * filters, board drag and drop — and the screenshots of the list and a ticket page in docs/.
 */
// The README's screenshots are refreshed only on request (UPDATE_SCREENSHOTS=1), so a test
// run never rewrites tracked files; otherwise they go to a temporary folder.
const docsDir =
  process.env.UPDATE_SCREENSHOTS === '1'
    ? path.resolve(import.meta.dirname, '../../../docs')
    : fs.mkdtempSync(path.join(os.tmpdir(), 'desk-screenshots-'));

describeInBrowser('the service desk in the browser', () => {
  let world: DeskWorld;
  let ana: Page;
  let bo: Page;
  let ticketPath: string;

  beforeAll(async () => {
    ({ world, ana, bo } = await openDeskPages());
  });

  afterAll(async () => {
    await world?.close();
  });

  /** The editor's text without the other people's cursor labels drawn inside it. */
  function editorText(page: Page): Promise<string> {
    return page.getByTestId('description').evaluate((element) => {
      const copy = element.cloneNode(true) as HTMLElement;
      for (const caret of copy.querySelectorAll('.collaboration-cursor__caret')) caret.remove();
      return copy.innerText;
    });
  }

  /** In-app navigation (no reload), as a person clicks the sidebar. */
  async function nav(page: Page, name: 'Tickets' | 'Board'): Promise<void> {
    await page
      .getByRole('navigation', { name: 'Workspace' })
      .getByRole('link', { name, exact: true })
      .click();
  }

  async function createTicket(page: Page, title: string, tags = ''): Promise<void> {
    await page.getByRole('button', { name: /New ticket/ }).click();
    const dialog = page.getByRole('dialog', { name: 'New ticket' });
    await dialog.getByLabel('Title').fill(title);
    if (tags) await dialog.getByLabel('Tags').fill(tags);
    await dialog.getByRole('button', { name: 'Create ticket' }).click();
    await page.waitForURL(/\/t\/[^/]+$/);
    await page.getByRole('heading', { level: 1, name: title }).waitFor();
  }

  it('shows an empty list that says what to do, then creates a numbered ticket', async () => {
    await ana.goto(`${world.base}/w/${world.slug}`);
    await ana.getByText('No tickets yet').waitFor();
    await createTicket(ana, 'VPN drops every ten minutes', 'vpn, network');
    ticketPath = new URL(ana.url()).pathname;
    expect(ticketPath).toBe(`/w/${world.slug}/t/1`);
    await ana.getByText('#1', { exact: true }).waitFor();
  });

  it('shows the other viewer on the ticket page and on the list', async () => {
    await bo.goto(`${world.base}/w/${world.slug}`);
    const row = bo.getByTestId('ticket-row').filter({ hasText: 'VPN drops every ten minutes' });
    await row.getByLabel(/Viewing now: Ana Owner/).waitFor();
    await bo.goto(world.base + ticketPath);
    await ana.getByLabel(/Also viewing: bo\.agent/).waitFor();
    await bo.getByLabel(/Also viewing: Ana Owner/).waitFor();
  });

  it('lets both edit the description at once and converges', async () => {
    const anaEditor = ana.getByTestId('description');
    const boEditor = bo.getByTestId('description');
    await anaEditor.click();
    await boEditor.click();
    await Promise.all([
      anaEditor.pressSequentially('Ana wrote this. ', { delay: 15 }),
      boEditor.pressSequentially('Bo wrote that. ', { delay: 15 }),
    ]);
    for (const page of [ana, bo]) {
      await expect.poll(() => editorText(page)).toContain('Ana wrote this.');
      await expect.poll(() => editorText(page)).toContain('Bo wrote that.');
    }
    await expect.poll(async () => (await editorText(ana)) === (await editorText(bo))).toBe(true);
    // Live cursors carry the other person's name.
    await ana.locator('.collaboration-cursor__label', { hasText: 'bo.agent' }).waitFor();
  });

  it('shows an internal note live on the other side, marked internal, and who is typing', async () => {
    await ana.getByLabel('Internal note').check();
    const composer = ana.getByTestId('composer');
    await composer.click();
    await composer.pressSequentially('Checking the router logs @bo', { delay: 10 });
    await expect
      .poll(() => bo.getByTestId('typing').innerText())
      .toMatch(/Ana Owner is typing an internal note/);
    await ana
      .getByRole('listbox', { name: 'Members' })
      .getByRole('option', { name: /bo\.agent/ })
      .click();
    await ana.getByTestId('send').click();

    const note = bo.getByTestId('comment').filter({ hasText: 'Checking the router logs' });
    await note.waitFor();
    expect(await note.getAttribute('data-kind')).toBe('note');
    await note.getByTestId('internal-label').waitFor();
    await note.getByTestId('mention').filter({ hasText: '@bo.agent' }).waitFor();
    // The mentioned member is told.
    await bo.getByTestId('mentions-link').getByLabel('1 new mentions').waitFor();
  });

  it('sends a public reply once even when Send is clicked twice', async () => {
    await ana.getByLabel('Public reply').check();
    await ana.getByTestId('composer').fill('We are looking into it.');
    await ana.getByTestId('composer').dispatchEvent('input');
    await ana.getByTestId('send').dblclick();
    const replies = bo.getByTestId('comment').filter({ hasText: 'We are looking into it.' });
    await replies.first().waitFor();
    expect(await replies.count()).toBe(1);
    expect(await replies.first().getAttribute('data-kind')).toBe('reply');
  });

  it('filters the list by status, tag and text', async () => {
    await nav(ana, 'Tickets');
    await createTicket(ana, 'Printer on floor 3 jams', 'hardware');
    await ana.getByTestId('field-status').selectOption('open');
    await nav(ana, 'Tickets');
    await createTicket(ana, 'New laptop for Chris', 'hardware');
    await nav(ana, 'Tickets');
    const rows = ana.getByTestId('ticket-row');
    await expect.poll(() => rows.count()).toBe(3);

    await ana.getByTestId('status-filter').locator('summary').click();
    const openBox = ana
      .getByTestId('status-filter')
      .getByRole('checkbox', { name: 'Open', exact: true });
    await openBox.check();
    await expect.poll(() => rows.count()).toBe(1);
    await expect.poll(() => rows.first().innerText()).toContain('Printer on floor 3 jams');
    await openBox.uncheck();
    await ana.getByTestId('status-filter').locator('summary').click();

    await ana.getByTestId('tag-filter').selectOption('hardware');
    await expect.poll(() => rows.count()).toBe(2);
    await ana.getByTestId('tag-filter').selectOption('');

    // Text search covers the content (description and thread), not only titles.
    await ana.getByTestId('search').fill('router logs');
    await expect.poll(() => rows.count()).toBe(1);
    await expect.poll(() => rows.first().innerText()).toContain('VPN drops every ten minutes');
    await ana.getByRole('button', { name: 'Clear filters' }).first().click();
    await expect.poll(() => rows.count()).toBe(3);
  });

  it('moves a ticket to another status by drag and drop on the board, live for both', async () => {
    await nav(ana, 'Board');
    await nav(bo, 'Board');
    const card = ana.getByTestId('board-card').filter({ hasText: 'New laptop for Chris' });
    const pending = ana.locator('[data-testid="board-column"][data-status="pending"]');
    await card.dragTo(pending);
    await pending.getByText('New laptop for Chris').waitFor();
    await bo
      .locator('[data-testid="board-column"][data-status="pending"]')
      .getByText('New laptop for Chris')
      .waitFor();
  });

  it('saves screenshots of the list and of a ticket page for the README', async () => {
    await nav(ana, 'Tickets');
    await ana.getByTestId('ticket-row').first().waitFor();
    await ana.screenshot({ path: path.join(docsDir, 'screenshot-ticket-list.png') });
    await ana.getByRole('link', { name: 'VPN drops every ten minutes' }).click();
    await ana.getByTestId('comment').first().waitFor();
    await ana.screenshot({
      path: path.join(docsDir, 'screenshot-ticket-page.png'),
      fullPage: false,
    });
  });
});
