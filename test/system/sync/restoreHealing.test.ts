import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { MemoryStore, SyncClient } from '@desk/client';
import { until } from '@desk/protocol/testing';
import { startSyncServer, type SyncTestServer } from '../../support/sync/startSyncServer.ts';
import { makeTempDir } from '../../support/tempDir.ts';

const users = { 'tok-ana': { userId: 'ana', workspaces: { ws1: 'write' } } } as const;

describe('a database restored from a backup', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('SUB-7 gets back the updates it lost from a replica that reconnects, which learns the new generation', async () => {
    const temp = makeTempDir('desk-restore-');
    cleanups.push(() => temp.remove());
    const file = path.join(temp.dir, 'desk.sqlite');
    let server: SyncTestServer = await startSyncServer(users, {}, temp.dir);
    const client = new SyncClient({
      url: () => `${server.url.replace(/^http/, 'ws')}/sync?token=tok-ana`,
      WebSocket,
      store: new MemoryStore(),
      backoff: { baseMs: 10, maxMs: 100, minMs: 1 },
    });
    cleanups.push(() => client.close());
    const handle = client.open('ws1:index');
    const text = handle.doc.getText('t');
    const saved = () =>
      until(() => client.pendingCount === 0 && client.status.kind === 'synced', 'saved', 90_000);

    text.insert(0, 'before backup. ');
    await saved();
    await server.stop(); // checkpoints the WAL: the file alone is the backup
    fs.copyFileSync(file, path.join(temp.dir, 'backup.sqlite'));

    server = await startSyncServer(users, {}, temp.dir);
    text.insert(text.length, 'after backup.');
    await saved();
    const generationBefore = server.server.sync.generation();
    await server.stop();

    // Restore: the old file comes back with a new generation, as the restore tool does.
    fs.copyFileSync(path.join(temp.dir, 'backup.sqlite'), file);
    const db = new BetterSqlite3(file);
    db.prepare("UPDATE meta SET value = ? WHERE key = 'store_generation'").run(randomUUID());
    db.close();

    server = await startSyncServer(users, {}, temp.dir);
    cleanups.push(() => server.stop());
    expect(server.server.sync.generation()).not.toBe(generationBefore);
    await until(
      async () => (await storedText(server)) === 'before backup. after backup.',
      'the server stored both edits',
      90_000,
    );
    expect(text.toString()).toBe('before backup. after backup.');
    await until(
      () => client.generation === server.server.sync.generation(),
      'the client saw the restore',
      90_000,
    );
  });
});

async function storedText(server: SyncTestServer): Promise<string> {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, await server.server.sync.readDocState('ws1:index'));
  return doc.getText('t').toString();
}
