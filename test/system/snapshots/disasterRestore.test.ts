import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { AuthTestServer } from '../../../sync-server/src/testing/authTestServer.ts';
import { createBackup } from '../../../sync-server/src/backup/DatabaseBackup.ts';
import { backupPaths } from '../../../sync-server/src/backup/installBackups.ts';
import { restoreDatabase } from '../../../sync-server/src/backup/restoreDatabase.ts';
import { openStockProvider, providerSynced } from '../../support/sync/stockProvider.ts';
import { makeTempDir } from '../../support/tempDir.ts';
import { CuttableClient, ownerWithToken, startDeskServer, until } from './deskTestServer.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function storedText(t: AuthTestServer, docId: string): Promise<string> {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, await t.server.sync.readDocState(docId));
  return doc.getText('t').toString();
}

describe('disaster restore of the database', () => {
  it('gets back from the clients the edits made after the backup (new store generation)', async () => {
    const temp = makeTempDir('desk-disaster-');
    cleanups.push(() => temp.remove());
    let t = await startDeskServer(temp.dir);
    const owner = await ownerWithToken(t);
    const docId = `${owner.workspaceId}:ticket:t1`;
    const yjsDocId = `${owner.workspaceId}:ticket:t2`;

    // A multiplexed client (catch-up by sequence) and a stock y-websocket provider.
    const ana = new CuttableClient(() => t.server.url, owner.token);
    cleanups.push(() => ana.client.close());
    const handle = ana.client.open(docId);
    await handle.whenSynced;
    const providerDoc = new Y.Doc();
    const provider = openStockProvider(t.server.url, yjsDocId, owner.token, providerDoc, {
      maxBackoffTime: 100,
    });
    cleanups.push(() => provider.destroy());
    await providerSynced(provider);

    handle.doc.getText('t').insert(0, 'in the backup.');
    providerDoc.getText('t').insert(0, 'also backed up.');
    await until(() => handle.pending === 0, 'first edit acked');
    await until(async () => (await storedText(t, yjsDocId)) === 'also backed up.', 'stored');
    const { backupsDir, blobsDir } = backupPaths(temp.dir);
    await createBackup({ db: t.server.ctx.db, backupsDir, blobsDir, now: Date.now(), keep: 3 });
    const generationBefore = t.server.sync.generation();

    handle.doc.getText('t').insert(14, ' After the backup.');
    providerDoc.getText('t').insert(15, ' Later too.');
    await until(() => handle.pending === 0, 'later edit acked');
    await until(
      async () => (await storedText(t, yjsDocId)) === 'also backed up. Later too.',
      'later edit stored',
    );

    // The disk dies; the operator restores last night's backup and starts the server.
    ana.offline();
    provider.disconnect();
    await t.close();
    await restoreDatabase({
      dataDir: temp.dir,
      sqlitePath: t.server.ctx.config.sqlitePath!,
      backupsDir,
      blobsDir,
      from: 'latest',
      port: 0,
      now: Date.now(),
    });
    // Same port: the stock provider keeps the URL it was given.
    t = await startDeskServer(temp.dir, t.server.port);
    cleanups.push(() => t.close());
    expect(t.server.sync.generation()).not.toBe(generationBefore);
    expect(await storedText(t, docId)).toBe('in the backup.');

    ana.online();
    provider.connect();
    await until(
      async () => (await storedText(t, docId)) === 'in the backup. After the backup.',
      'the multiplexed client to push back its later edit',
    );
    await until(
      async () => (await storedText(t, yjsDocId)) === 'also backed up. Later too.',
      'the y-websocket provider to push back its later edit',
    );
    expect(ana.client.generation).toBe(t.server.sync.generation());
  });
});
