import fs from 'node:fs';
import type { Download, Page } from 'playwright-core';
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
import { databaseNames, storedDocIds } from './offlineIndexedDb.ts';
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
  ): Promise<{
    page: Page;
    ben: Account;
    workspace: Workspace;
    ticketId: string;
    /** Every download the page started, from the first load on. */
    downloads: Download[];
    close: () => Promise<void>;
  }> {
    const { world } = offline;
    const { owner, workspace } = await signUpOwner(world, `Own${slug}`, slug);
    const [first] = await seedTickets(world, owner, workspace, 2);
    const ben = await inviteMember(world, owner, workspace, `Ben${slug}`);
    const signedIn = await openSignedInPage(world, ben, { acceptDownloads: true });
    const { context, network, page } = signedIn;
    page.on('dialog', (dialog) => void dialog.accept());
    const downloads: Download[] = [];
    page.on('download', (file) => downloads.push(file));
    await loadSynced(page, `${world.base}/w/${slug}`);
    const description = await openSeededTicket(page, `${world.base}/w/${slug}`, first!);

    await goOffline(signedIn);
    await description.click();
    await page.keyboard.press('Control+Home');
    await page.keyboard.type('Ben offline note. ');
    await change(owner, ben, workspace);
    await network.online();
    return { page, ben, workspace, ticketId: first!.id, downloads, close: () => context.close() };
  }

  async function download(page: Page, button = 'export-drafts'): Promise<ExportedFile> {
    const [file] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId(button).click(),
    ]);
    return readExport(file);
  }

  async function readExport(file: Download): Promise<ExportedFile> {
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

  it('downloads the offline work of a member removed while offline, then deletes the workspace from the device and says so', async () => {
    const { page, ben, workspace, ticketId, downloads, close } = await editOffline(
      'removed',
      (owner, ben, ws) =>
        requestOk(owner.http, 'DELETE', `/api/workspaces/${ws.slug}/members/${ben.userId}`),
    );
    const ticketDoc = docIds.ticket(workspace.id, ticketId);
    const notice = page.getByTestId('forget-notice');
    await notice.filter({ hasText: 'You were removed from' }).waitFor();
    expect(await notice.locator('strong').innerText()).toBe(
      "You were removed from Ownremoved's desk. Its data has been deleted from this device.",
    );

    // The work was offered as a file before the deletion (and can be downloaded again).
    await expect.poll(() => downloads.length).toBeGreaterThan(0);
    const offered = await readExport(downloads[0]!);
    expect(offered.format).toBe('desk-refused-changes');
    const ticket = offered.unsynced.find((d) => d.docId === ticketDoc);
    expect(ticket?.text).toContain('Ben offline note. Description of ticket 1.');
    const again = await download(page, 'forget-download');
    expect(again.unsynced.find((d) => d.docId === ticketDoc)?.text).toContain('Ben offline note.');

    // Nothing of the workspace is left in the replica, and nothing promises a later sync.
    const ofWorkspace = async () =>
      (await storedDocIds(page, ben.userId)).filter((id) => id.startsWith(`${workspace.id}:`));
    expect(await ofWorkspace()).toEqual([]);
    expect(await page.locator('body').innerText()).not.toMatch(/will sync|sync when|sync later/i);
    expect(await serverDescription(workspace, ticketId)).toBe('Description of ticket 1.');

    // A reload does not bring it back.
    await page.reload();
    await page.getByText('This workspace cannot be opened').waitFor();
    expect(await ofWorkspace()).toEqual([]);
    expect(await page.locator('body').innerText()).not.toMatch(/will sync|sync when|sync later/i);
    await close();
  });

  it('deletes every replica of a user whose session is revoked, after downloading the reply being written', async () => {
    const { world } = offline;
    const { owner, workspace } = await signUpOwner(world, 'Ownrevoked', 'revoked');
    const [first] = await seedTickets(world, owner, workspace, 1);
    const cleo = await inviteMember(world, owner, workspace, 'Cleorevoked');
    const { context, page } = await openSignedInPage(world, cleo, { acceptDownloads: true });
    const downloads: Download[] = [];
    page.on('download', (file) => downloads.push(file));
    await loadSynced(page, `${world.base}/w/revoked`);
    await openSeededTicket(page, `${world.base}/w/revoked`, first!);
    await page.getByTestId('composer').fill('Half a reply to the customer');
    const replicaOf = async () =>
      (await databaseNames(page)).filter((name) => name.startsWith(`desk:u:${cleo.userId}:`));
    expect(await replicaOf()).not.toEqual([]);

    // "Log out everywhere" from another device ends this session while it is open.
    await requestOk(cleo.http, 'POST', '/api/auth/logout-everywhere', {});
    const notice = page.getByTestId('forget-notice');
    await notice.filter({ hasText: 'Your session was ended.' }).waitFor();
    await expect.poll(() => downloads.length).toBeGreaterThan(0);
    const offered = JSON.parse(
      fs.readFileSync((await downloads[0]!.path())!, 'utf8'),
    ) as ExportedFile & { replies: { ticketId: string; draft: { text?: string } }[] };
    expect(JSON.stringify(offered.replies)).toContain('Half a reply to the customer');
    await expect.poll(replicaOf).toEqual([]);
    expect(await page.locator('body').innerText()).not.toMatch(/will sync|sync when|sync after/i);
    await context.close();
  });

  it('finishes a deletion a reload cut short before the workspace opens again', async () => {
    const { world } = offline;
    const { owner, workspace } = await signUpOwner(world, 'Ownreload', 'reload');
    await seedTickets(world, owner, workspace, 2);
    const dana = await inviteMember(world, owner, workspace, 'Danareload');
    const { context, page } = await openSignedInPage(world, dana, { acceptDownloads: true });
    await loadSynced(page, `${world.base}/w/reload`);
    const ofWorkspace = async () =>
      (await storedDocIds(page, dana.userId)).filter((id) => id.startsWith(`${workspace.id}:`));
    await expect.poll(async () => (await ofWorkspace()).length).toBeGreaterThan(0);

    // The app had decided to forget (the record is written first), and the tab reloaded.
    await page.evaluate(
      (forget) => localStorage.setItem('desk:forget-pending', JSON.stringify([forget])),
      {
        reason: 'removed',
        userId: dana.userId,
        workspaceId: workspace.id,
        slug: 'reload',
        workspaceName: "Ownreload's desk",
      },
    );
    await page.reload();
    await page
      .getByTestId('forget-notice')
      .filter({ hasText: "You were removed from Ownreload's desk." })
      .waitFor();
    expect(await ofWorkspace()).toEqual([]);
    expect(await page.evaluate(() => localStorage.getItem('desk:forget-pending'))).toBeNull();
    await context.close();
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
