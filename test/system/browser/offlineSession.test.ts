import { expect, it } from 'vitest';
import * as Y from 'yjs';
import { docIds, TicketDoc } from '@desk/model';
import { describeInBrowser } from '../../support/browserWorld.ts';
import { requestOk, type Workspace } from './offlineAccounts.ts';
import { openOwnerDesk, type OwnerDesk } from './offlineDesk.ts';
import {
  goOffline,
  loadSynced,
  openSeededTicket,
  signInBrowser,
  waitAllSaved,
  waitForStatus,
} from './offlinePage.ts';
import { descriptionText } from './offlineTickets.ts';
import { useOfflineWorld } from './offlineWorld.ts';

describeInBrowser('sessions and attachments offline (issue 7)', () => {
  const offline = useOfflineWorld();

  /** A fresh owner's workspace, loaded and synced; every dialog (beforeunload) is accepted. */
  async function openSyncedDesk(
    name: string,
    slug: string,
    ticketCount: number,
  ): Promise<OwnerDesk> {
    const desk = await openOwnerDesk(offline.world, name, slug, ticketCount);
    desk.page.on('dialog', (dialog) => void dialog.accept());
    await loadSynced(desk.page, desk.workspaceUrl);
    return desk;
  }

  async function serverTicket(workspace: Workspace, ticketId: string): Promise<TicketDoc> {
    const doc = new Y.Doc();
    Y.applyUpdate(
      doc,
      await offline.world.server.sync.readDocState(docIds.ticket(workspace.id, ticketId)),
    );
    return new TicketDoc(doc);
  }

  it('keeps edits made while the session ended and syncs them after the same user signs in again', async () => {
    const desk = await openSyncedDesk('Sue', 'expired', 2);
    const { owner: ana, workspace, workspaceUrl, context, network, page } = desk;
    const [first] = desk.tickets;
    const description = await openSeededTicket(page, workspaceUrl, first!);

    await goOffline(desk);
    await description.click();
    await page.keyboard.press('Control+Home');
    await page.keyboard.type('Sue while signed out. ');
    // Every session of Sue ends while she is offline (e.g. it expired).
    await requestOk(ana.http, 'POST', '/api/auth/logout-everywhere', {});

    await network.online();
    await waitForStatus(page, 'Sign in again to sync.');
    expect(await page.getByTestId('offline-status').innerText()).toContain(
      'sync after you sign in again as the same user',
    );
    expect(descriptionText((await serverTicket(workspace, first!.id)).doc)).toBe(
      'Description of ticket 1.',
    );

    // The same user signs in again: the queued edit reaches the server.
    await signInBrowser(context, offline.world.base, {
      ...ana,
      http: offline.world.client(),
    });
    await page.reload();
    await waitAllSaved(page);
    expect(descriptionText((await serverTicket(workspace, first!.id)).doc)).toBe(
      'Sue while signed out. Description of ticket 1.',
    );
    await context.close();
  });

  it('keeps attachments picked offline and uploads them on reconnect, showing their state', async () => {
    const desk = await openSyncedDesk('Ria', 'files', 1);
    const { owner: ana, workspace, workspaceUrl, context, network, page } = desk;
    const [first] = desk.tickets;
    // On this device before the connection goes: its content arrived from the server.
    await openSeededTicket(page, workspaceUrl, first!);

    await goOffline(desk);
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
    const { body: blob } = await ana.http.getText(
      `/api/workspaces/files/blobs/${attachments[0]!.sha256}`,
    );
    expect(blob).toBe('picked while offline');
    await context.close();
  });
});
