import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { expect, it } from 'vitest';
import * as Y from 'yjs';
import { docIds } from '@desk/model';
import { plans } from '../../../sync-server/src/billing/plans.ts';
import { testServerPostgresUrl } from '../../../sync-server/src/testing/testServerBackend.ts';
import { describeInBrowser } from '../../support/browserWorld.ts';
import { signUpOwner, type Workspace } from './offlineAccounts.ts';
import { openSignedInPage, openSeededTicket, waitAllSaved, waitForStatus } from './offlinePage.ts';
import { descriptionText, seedTickets } from './offlineTickets.ts';
import { useOfflineWorld } from './offlineWorld.ts';
import { uploadToTicket } from './uploadToTicket.ts';

interface ExportedDrafts {
  drafts: { docId: string; code: string; update: string }[];
}

describeInBrowser('workspace storage full (issue 17, SPEC LIMIT-12)', () => {
  const offline = useOfflineWorld();

  /**
   * Leaves `bytes` of the workspace's storage (documents plus attachments) free: its
   * documents are made to weigh the rest — the counter the limit reads; writing a gigabyte
   * of tickets to fill a trial workspace is not what this test is about.
   */
  function leaveRoom(workspace: Workspace, bytes: number): void {
    const dataDir = offline.world.server.ctx.config.DATA_DIR;
    const documentsBytes = (files: number) => plans.trial.storageQuotaBytes - files - bytes;
    // On the PostgreSQL pass the counter is in the server's database (testServerBackend.ts),
    // the same table kept by the same triggers; psql, as the outbox is read (outbox.ts).
    const postgresUrl = testServerPostgresUrl(dataDir);
    if (postgresUrl) {
      const script = `INSERT INTO workspace_doc_bytes (workspace_id, bytes)
        SELECT :'workspace', :'room'::bigint - COALESCE(
          (SELECT SUM(size) FROM workspace_blobs WHERE workspace_id = :'workspace'), 0)
        ON CONFLICT (workspace_id) DO UPDATE SET bytes = excluded.bytes;`;
      execFileSync(
        'psql',
        [
          postgresUrl,
          '-X',
          '-q',
          '-v',
          'ON_ERROR_STOP=1',
          '-v',
          `workspace=${workspace.id}`,
          '-v',
          `room=${documentsBytes(0)}`,
        ],
        { input: script },
      );
      return;
    }
    const db = offline.world.server.ctx.db;
    const files = db
      .prepare('SELECT COALESCE(SUM(size), 0) FROM workspace_blobs WHERE workspace_id = ?')
      .pluck()
      .get(workspace.id) as number;
    db.prepare(
      `INSERT INTO workspace_doc_bytes (workspace_id, bytes) VALUES (?, ?)
       ON CONFLICT (workspace_id) DO UPDATE SET bytes = excluded.bytes`,
    ).run(workspace.id, documentsBytes(files));
  }

  async function serverDescription(workspace: Workspace, ticketId: string): Promise<string> {
    const doc = new Y.Doc();
    Y.applyUpdate(
      doc,
      await offline.world.server.sync.readDocState(docIds.ticket(workspace.id, ticketId)),
    );
    return descriptionText(doc);
  }

  it('warns, refuses an upload and a new ticket before sending, keeps a change the server refused as a draft, and still reads', async () => {
    const { world } = offline;
    const { owner, workspace } = await signUpOwner(world, 'Sol', 'storage-full');
    const [ticket] = await seedTickets(world, owner, workspace, 1);
    const { context, page } = await openSignedInPage(world, owner, { acceptDownloads: true });
    const workspaceUrl = `${world.base}/w/${workspace.slug}`;
    const uploads: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url().includes('/blobs'))
        uploads.push(request.url());
    });

    // Nearly full: the banner says which limit, and an upload bigger than the room left is
    // refused in words before a byte is sent.
    leaveRoom(workspace, 50_000);
    await page.goto(workspaceUrl);
    const banner = page.getByTestId('usage-banner');
    await banner
      .filter({ hasText: 'close to a limit of its plan (storage (documents and attachments)' })
      .waitFor();
    await openSeededTicket(page, workspaceUrl, ticket!);
    await uploadToTicket(page, {
      name: 'scan.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(60_000, 0x20)]),
    });
    await page
      .getByRole('alert')
      .filter({ hasText: '“scan.pdf” (' })
      .filter({ hasText: 'left in the workspace’s storage' })
      .waitFor();
    expect(uploads).toEqual([]);

    // Full: the banner says so and that reading, exporting and deleting keep working; a new
    // ticket is refused up front.
    leaveRoom(workspace, 0);
    await page.goto(workspaceUrl);
    await banner
      .filter({ hasText: 'documents and attachments use all the storage' })
      .filter({ hasText: 'Reading, exporting and deleting keep working' })
      .waitFor();
    await page.getByRole('button', { name: /^New ticket/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog
      .getByTestId('workspace-full')
      .filter({ hasText: 'documents and attachments use all the storage' })
      .waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    // A change the app could not foresee (the limit is the workspace's, not the ticket's)
    // is refused by the server: told in words, kept as a draft to download, and the ticket
    // shows the server's version again — it still reads.
    const description = await openSeededTicket(page, workspaceUrl, ticket!);
    await description.click();
    await page.keyboard.press('Control+Home');
    // One input event, as a paste: the note is one change. Typed key by key it reached the
    // server in batches (on PostgreSQL), and the keys after the first refusal landed in the
    // server's version the editor went back to — a second draft of their own.
    await page.keyboard.insertText('Refused note. ');
    await waitForStatus(page, 'Workspace storage full');
    await page.getByTestId('export-drafts').waitFor();
    // The description edit changes the ticket doc and its row in the index: each is refused
    // and kept on its own, so the first draft to arrive may be the index's.
    const ticketDrafts = async () => {
      const [file] = await Promise.all([
        page.waitForEvent('download'),
        page.getByTestId('export-drafts').click(),
      ]);
      const exported = JSON.parse(fs.readFileSync(await file.path(), 'utf8')) as ExportedDrafts;
      return exported.drafts.filter((d) => d.docId === docIds.ticket(workspace.id, ticket!.id));
    };
    const serverWithDrafts = async () => {
      const refused = await ticketDrafts();
      const withDraft = new Y.Doc();
      Y.applyUpdate(
        withDraft,
        await world.server.sync.readDocState(docIds.ticket(workspace.id, ticket!.id)),
      );
      for (const draft of refused) Y.applyUpdate(withDraft, Buffer.from(draft.update, 'base64'));
      return { codes: refused.map((d) => d.code), text: descriptionText(withDraft) };
    };
    await expect.poll(serverWithDrafts, { timeout: 30_000 }).toMatchObject({
      codes: expect.arrayContaining(['storage_full']),
      text: expect.stringContaining('Refused note.'),
    });
    expect(await serverDescription(workspace, ticket!.id)).toBe(ticket!.description);
    await page.getByTestId('description').filter({ hasText: ticket!.description }).waitFor();
    expect(await page.getByTestId('description').innerText()).not.toContain('Refused note.');

    // Room again (attachments deleted, a plan upgraded): writing works again.
    leaveRoom(workspace, 1_000_000);
    await page.reload();
    await openSeededTicket(page, workspaceUrl, ticket!);
    await page.getByTestId('description').click();
    await page.keyboard.press('Control+Home');
    await page.keyboard.type('Accepted note. ');
    await waitAllSaved(page);
    expect(await serverDescription(workspace, ticket!.id)).toContain('Accepted note.');
    await context.close();
  }, 180_000);
});
