import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { docIds, TicketDoc } from '@desk/model';
import { hasChromium, launchBrowser } from '../../support/browser.ts';
import {
  descriptionText,
  HttpSession,
  networkControl,
  seedTickets,
  signInBrowser,
  signUpOwner,
  startDeskServer,
  waitAllSaved,
  webBuilt,
  type DeskServer,
  type Workspace,
} from './offlineFixture.ts';

const ready = hasChromium && webBuilt;

describe.runIf(ready)('sessions and attachments offline (issue 7)', () => {
  let desk: DeskServer;
  let browser: Browser;
  let closeBrowser: () => Promise<void>;

  beforeAll(async () => {
    desk = await startDeskServer();
    ({ browser, close: closeBrowser } = await launchBrowser());
  });
  afterAll(async () => {
    await closeBrowser?.();
    await desk?.close();
  });

  async function serverTicket(workspace: Workspace, ticketId: string): Promise<TicketDoc> {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, await desk.server.sync.readDocState(docIds.ticket(workspace.id, ticketId)));
    return new TicketDoc(doc);
  }

  it('keeps edits made while the session ended and syncs them after the same user signs in again', async () => {
    const { owner: ana, workspace } = await signUpOwner(desk.url, 'Sue', 'expired');
    const [first] = await seedTickets(desk, ana, workspace, 2);
    const context = await browser.newContext();
    const network = await networkControl(context);
    const page = await context.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
    await signInBrowser(context, desk.url, ana);
    await page.goto(`${desk.url}/w/expired`);
    await waitAllSaved(page);
    await page.goto(`${desk.url}/w/expired/t/${first!.number}`);
    const description = page.getByTestId('description');
    await description.filter({ hasText: 'Description of ticket 1.' }).waitFor();

    await network.offline();
    await page
      .getByTestId('offline-status-text')
      .filter({ hasText: /^Offline/ })
      .waitFor();
    await description.click();
    await page.keyboard.press('Control+Home');
    await page.keyboard.type('Sue while signed out. ');
    // Every session of Sue ends while she is offline (e.g. it expired).
    await ana.http.call('POST', '/api/auth/logout-everywhere', {});

    await network.online();
    const status = page.getByTestId('offline-status-text');
    await status.filter({ hasText: 'Sign in again to sync.' }).waitFor();
    expect(await page.getByTestId('offline-status').innerText()).toContain(
      'sync after you sign in again as the same user',
    );
    expect(descriptionText((await serverTicket(workspace, first!.id)).doc)).toBe(
      'Description of ticket 1.',
    );

    // The same user signs in again: the queued edit reaches the server.
    await signInBrowser(context, desk.url, { ...ana, http: new HttpSession(desk.url) });
    await page.reload();
    await waitAllSaved(page);
    expect(descriptionText((await serverTicket(workspace, first!.id)).doc)).toBe(
      'Sue while signed out. Description of ticket 1.',
    );
    await context.close();
  });

  it('keeps attachments picked offline and uploads them on reconnect, showing their state', async () => {
    const { owner: ana, workspace } = await signUpOwner(desk.url, 'Ria', 'files');
    const [first] = await seedTickets(desk, ana, workspace, 1);
    const context = await browser.newContext();
    const network = await networkControl(context);
    const page = await context.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
    await signInBrowser(context, desk.url, ana);
    await page.goto(`${desk.url}/w/files`);
    await waitAllSaved(page);
    await page.goto(`${desk.url}/w/files/t/${first!.number}`);
    await page.getByTestId('description').waitFor();

    await network.offline();
    await page
      .getByTestId('offline-status-text')
      .filter({ hasText: /^Offline/ })
      .waitFor();
    await page
      .locator('input[type="file"]')
      .first()
      .setInputFiles({
        name: 'screenshot.txt',
        mimeType: 'text/plain',
        buffer: Buffer.from('picked while offline'),
      });
    const queued = page.getByTestId('queued-uploads');
    await queued.filter({ hasText: 'screenshot.txt' }).waitFor();
    expect(await queued.innerText()).toContain('waiting for the connection');

    await network.online();
    await page.getByRole('link', { name: 'screenshot.txt' }).waitFor();
    await queued.waitFor({ state: 'detached' });
    await waitAllSaved(page);
    const attachments = (await serverTicket(workspace, first!.id)).listAttachments();
    expect(attachments.map((a) => a.name)).toEqual(['screenshot.txt']);
    const blob = await ana.http.text(`/api/workspaces/files/blobs/${attachments[0]!.sha256}`);
    expect(blob).toBe('picked while offline');
    await context.close();
  });
});
