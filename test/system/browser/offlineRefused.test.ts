import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import * as Y from 'yjs';
import { docIds } from '@desk/model';
import { describeInBrowser } from '../../support/browserWorld.ts';
import {
  inviteMember,
  requestOk,
  signUpOwner,
  type Account,
  type Workspace,
} from './offlineAccounts.ts';
import {
  goOffline,
  loadSynced,
  openSeededTicket,
  openSignedInPage,
  waitForStatus,
} from './offlinePage.ts';
import { descriptionText, seedTickets } from './offlineTickets.ts';
import { useOfflineWorld } from './offlineWorld.ts';

interface ExportedFile {
  format: string;
  drafts: { docId: string; code: string; update: string }[];
  unsynced: { docId: string; text: string | null }[];
}

describeInBrowser('refused offline work (issue 7, DESIGN §4.4)', () => {
  const offline = useOfflineWorld();

  /** Ben edits ticket 1's description offline while the owner changes his membership. */
  async function editOffline(
    slug: string,
    change: (owner: Account, ben: Account, workspace: Workspace) => Promise<unknown>,
  ): Promise<{ page: Page; workspace: Workspace; ticketId: string; close: () => Promise<void> }> {
    const { world } = offline;
    const { owner, workspace } = await signUpOwner(world, `Own${slug}`, slug);
    const [first] = await seedTickets(world, owner, workspace, 2);
    const ben = await inviteMember(world, owner, workspace, `Ben${slug}`);
    const signedIn = await openSignedInPage(world, ben, { acceptDownloads: true });
    const { context, network, page } = signedIn;
    page.on('dialog', (dialog) => void dialog.accept());
    await loadSynced(page, `${world.base}/w/${slug}`);
    const description = await openSeededTicket(page, `${world.base}/w/${slug}`, first!);

    await goOffline(signedIn);
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
    Y.applyUpdate(
      doc,
      await offline.world.server.sync.readDocState(docIds.ticket(workspace.id, ticketId)),
    );
    return descriptionText(doc);
  }

  it('tells a member removed while offline, stops syncing and offers the offline work as a download', async () => {
    const { page, workspace, ticketId, close } = await editOffline('removed', (owner, ben, ws) =>
      requestOk(owner.http, 'DELETE', `/api/workspaces/${ws.slug}/members/${ben.userId}`),
    );
    await waitForStatus(
      page,
      'You are no longer a member of this workspace: nothing syncs any more.',
    );

    const exported = await download(page);
    expect(exported.format).toBe('desk-refused-changes');
    const ticket = exported.unsynced.find((d) => d.docId === docIds.ticket(workspace.id, ticketId));
    expect(ticket?.text).toContain('Ben offline note. Description of ticket 1.');
    expect(await serverDescription(workspace, ticketId)).toBe('Description of ticket 1.');
    await close();
  });

  it('keeps changes refused by a now read-only role as an exportable draft', async () => {
    const { page, workspace, ticketId, close } = await editOffline('viewer', (owner, ben, ws) =>
      requestOk(owner.http, 'PATCH', `/api/workspaces/${ws.slug}/members/${ben.userId}`, {
        role: 'viewer',
      }),
    );
    await waitForStatus(page, /read-only/);
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
      await offline.world.server.sync.readDocState(docIds.ticket(workspace.id, ticketId)),
    );
    for (const draft of refused) Y.applyUpdate(server, Buffer.from(draft.update, 'base64'));
    expect(descriptionText(server)).toContain('Ben offline note.');
    expect(await serverDescription(workspace, ticketId)).toBe('Description of ticket 1.');
    await close();
  });
});
