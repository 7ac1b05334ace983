import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloseCode, MessageType } from '@desk/protocol';
import { startServerProcess, type ServerProcess } from '../../support/serverProcess.ts';
import { seedWorkspace, type SeededWorkspace } from '../../support/sync/seedWorkspace.ts';
import { TestSyncClient } from '../../support/sync/TestSyncClient.ts';
import { makeTempDir } from '../../support/tempDir.ts';

const PUBLIC_URL = 'http://desk.test';

describe('the sync server as a real process (production auth)', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let seed: SeededWorkspace;
  const processes: ServerProcess[] = [];
  const clients: TestSyncClient[] = [];
  const start = async () => {
    const server = await startServerProcess({ DATA_DIR: temp.dir, PUBLIC_URL });
    processes.push(server);
    return server;
  };
  const connect = async (server: ServerProcess) => {
    const client = await TestSyncClient.connect(server.url, { token: seed.token });
    clients.push(client);
    return client;
  };

  beforeEach(() => {
    temp = makeTempDir('desk-sync-process-');
    seed = seedWorkspace(temp.dir);
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.ws.terminate();
    for (const server of processes.splice(0)) {
      if (server.child.exitCode === null && server.child.signalCode === null) {
        server.child.kill('SIGKILL');
        await server.exited;
      }
    }
    temp.remove();
  });

  it('WRITE-1 keeps every update it acknowledged or forwarded through kill -9 and a restart', async () => {
    const docId = `${seed.workspaceId}:ticket:durable`;
    const first = await start();
    const writer = await connect(first);
    const watcher = await connect(first);
    const written = writer.subscribe(docId);
    const seen = watcher.subscribe(docId);
    await Promise.all([writer.synced(docId), watcher.synced(docId)]);

    // Write flat out; kill the server the moment the watcher has seen half of it.
    const total = 400;
    for (let i = 0; i < total; i++) written.getArray<number>('a').push([i]);
    await watcher.until(() => seen.getArray('a').length >= total / 2);
    first.child.kill('SIGKILL');
    await first.exited;
    const forwarded = seen.getArray<number>('a').toArray();
    const acked = writer.docs.get(docId)!.acked;

    const second = await start();
    const reader = await connect(second);
    const restored = reader.subscribe(docId);
    await reader.synced(docId);
    const items = restored.getArray<number>('a').toArray();
    // Everything another client saw, and everything acknowledged, survived.
    expect(items.slice(0, forwarded.length)).toEqual(forwarded);
    // Acks count the writer's sync step 2 too; every acked push is there.
    expect(items.length).toBeGreaterThanOrEqual(acked - 1);
  });

  it('CONN-7 on SIGTERM closes sockets with 1012, stores what was sent, exits 0 with an intact database', async () => {
    const docId = `${seed.workspaceId}:index`;
    const server = await start();
    const client = await connect(server);
    const doc = client.subscribe(docId);
    await client.synced(docId);
    doc.getText('t').insert(0, 'saved before shutdown');
    await client.allAcked(docId);

    server.child.kill('SIGTERM');
    expect((await client.closed).code).toBe(CloseCode.serverRestarting);
    expect(client.messages).toContainEqual(
      expect.objectContaining({ type: MessageType.error, code: CloseCode.serverRestarting }),
    );
    expect(await server.exited).toEqual({ code: 0, signal: null });

    const db = new BetterSqlite3(path.join(temp.dir, 'desk.sqlite'), { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();

    const again = await start();
    const reader = await connect(again);
    const restored = reader.subscribe(docId);
    await reader.synced(docId);
    expect(restored.getText('t').toString()).toBe('saved before shutdown');
  });

  it('CONN-3 authenticates a browser session by cookie only from its own Origin (4403 otherwise)', async () => {
    const server = await start();
    const cookie = `desk_session=${seed.sessionToken}`;
    const foreign = await TestSyncClient.connect(server.url, {
      cookie,
      origin: 'https://evil.example',
    });
    clients.push(foreign);
    expect((await foreign.closed).code).toBe(CloseCode.foreignOrigin);
    const own = await TestSyncClient.connect(server.url, { cookie, origin: PUBLIC_URL });
    clients.push(own);
    expect(own.messages).toContainEqual(
      expect.objectContaining({ type: MessageType.welcome, userId: seed.userId }),
    );
  });

  it('CONN-3 confines an access token to its workspace', async () => {
    const server = await start();
    const client = await connect(server);
    client.subscribe('otherworkspace:index');
    const refusal = await client.waitFor((m) => m.type === MessageType.docError);
    expect(refusal).toMatchObject({ code: 'not_member' });
    const doc = client.subscribe(`${seed.workspaceId}:index`);
    await client.synced(`${seed.workspaceId}:index`);
    doc.getText('t').insert(0, 'mine');
    await client.allAcked(`${seed.workspaceId}:index`);
  });
});
