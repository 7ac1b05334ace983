import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { docIds } from '@desk/model';
import { hasChromium, launchBrowser } from '../../support/browser.ts';
import {
  descriptionText,
  inviteMember,
  networkControl,
  seedTickets,
  signInBrowser,
  signUpOwner,
  startDeskServer,
  waitAllSaved,
  webBuilt,
  type Account,
  type DeskServer,
  type Workspace,
} from './offlineFixture.ts';

const ready = hasChromium && webBuilt;

interface ExportedFile {
  format: string;
  drafts: { docId: string; code: string; update: string }[];
  unsynced: { docId: string; text: string | null }[];
}

describe.runIf(ready)('refused offline work (issue 7, DESIGN §4.4)', () => {
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

  /** Ben edits ticket 1's description offline while the owner changes his membership. */
  async function editOffline(
    slug: string,
    change: (owner: Account, ben: Account, workspace: Workspace) => Promise<unknown>,
  ): Promise<{ page: Page; workspace: Workspace; ticketId: string; close: () => Promise<void> }> {
    const { owner, workspace } = await signUpOwner(desk.url, `Own${slug}`, slug);
    const [first] = await seedTickets(desk, owner, workspace, 2);
    const ben = await inviteMember(desk, owner, workspace, `Ben${slug}`);
    const context = await browser.newContext({ acceptDownloads: true });
    const network = await networkControl(context);
    const page = await context.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
    await signInBrowser(context, desk.url, ben);
    await page.goto(`${desk.url}/w/${slug}`);
    await waitAllSaved(page);
    await page.goto(`${desk.url}/w/${slug}/t/${first!.number}`);
    const description = page.getByTestId('description');
    await description.filter({ hasText: 'Description of ticket 1.' }).waitFor();

    await network.offline();
    await page
      .getByTestId('offline-status-text')
      .filter({ hasText: /^Offline/ })
      .waitFor();
    await description.click();
    await page.keyboard.press('Control+Home');
    await page.keyboard.type('Ben offline note. ');
    await change(owner, ben, workspace);
    await network.online();
    return { page, workspace, ticketId: first!.id, close: () => context.close() };
  }

  async function download(page: Page): Promise<ExportedFile> {
    const [file] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('export-drafts').click(),
    ]);
    return JSON.parse(fs.readFileSync(await file.path(), 'utf8')) as ExportedFile;
  }

  async function serverDescription(workspace: Workspace, ticketId: string): Promise<string> {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, await desk.server.sync.readDocState(docIds.ticket(workspace.id, ticketId)));
    return descriptionText(doc);
  }

  it('tells a member removed while offline, stops syncing and offers the offline work as a download', async () => {
    const { page, workspace, ticketId, close } = await editOffline('removed', (owner, ben, ws) =>
      owner.http.call('DELETE', `/api/workspaces/${ws.slug}/members/${ben.userId}`),
    );
    const status = page.getByTestId('offline-status-text');
    await status
      .filter({ hasText: 'You are no longer a member of this workspace: nothing syncs any more.' })
      .waitFor();

    const exported = await download(page);
    expect(exported.format).toBe('desk-refused-changes');
    const ticket = exported.unsynced.find((d) => d.docId === docIds.ticket(workspace.id, ticketId));
    expect(ticket?.text).toContain('Ben offline note. Description of ticket 1.');
    expect(await serverDescription(workspace, ticketId)).toBe('Description of ticket 1.');
    await close();
  });

  it('keeps changes refused by a now read-only role as an exportable draft', async () => {
    const { page, workspace, ticketId, close } = await editOffline('viewer', (owner, ben, ws) =>
      owner.http.call('PATCH', `/api/workspaces/${ws.slug}/members/${ben.userId}`, {
        role: 'viewer',
      }),
    );
    await page
      .getByTestId('offline-status-text')
      .filter({ hasText: /read-only/ })
      .waitFor();
    await page.getByTestId('export-drafts').waitFor();

    const exported = await download(page);
    const refused = exported.drafts.filter(
      (d) => d.docId === docIds.ticket(workspace.id, ticketId),
    );
    expect(refused.map((d) => d.code)).toContain('read_only_role');
    // The draft holds the refused text (a Yjs update over the server's state).
    const server = new Y.Doc();
    Y.applyUpdate(
      server,
      await desk.server.sync.readDocState(docIds.ticket(workspace.id, ticketId)),
    );
    for (const draft of refused) Y.applyUpdate(server, Buffer.from(draft.update, 'base64'));
    expect(descriptionText(server)).toContain('Ben offline note.');
    expect(await serverDescription(workspace, ticketId)).toBe('Description of ticket 1.');
    await close();
  });
});
