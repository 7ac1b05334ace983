import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { buildServer, defaultOutDir } from '../../../sync-server/scripts/buildServer.ts';
import { hashPassword } from '../../../sync-server/src/identity/passwords.ts';
import { BUILT_WORKER_FILE } from '../../../sync-server/src/offthread/HeavyYjs.ts';
import { startServerProcess, type ServerProcess } from '../../support/serverProcess.ts';
import { seedWorkspace } from '../../support/sync/seedWorkspace.ts';
import { TestSyncClient } from '../../support/sync/TestSyncClient.ts';
import { makeTempDir } from '../../support/tempDir.ts';

const mainJs = path.join(defaultOutDir, 'main.js');

/** `pnpm start`: the bundle built by `pnpm build:server`, run by plain node. */
describe('the compiled server (pnpm start)', () => {
  const temp = makeTempDir('desk-built-');
  const processes: ServerProcess[] = [];
  const clients: TestSyncClient[] = [];

  beforeAll(async () => {
    await buildServer();
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.ws.terminate();
    for (const server of processes.splice(0)) {
      if (server.child.exitCode === null && server.child.signalCode === null) {
        server.child.kill('SIGTERM');
        await server.exited;
      }
    }
    temp.remove();
  });

  it('is JavaScript with source maps and the worker beside it', () => {
    const code = fs.readFileSync(mainJs, 'utf8');
    expect(code).toMatch(/\/\/# sourceMappingURL=main\.js\.map\s*$/);
    const map = JSON.parse(fs.readFileSync(`${mainJs}.map`, 'utf8')) as { sources: string[] };
    expect(map.sources).toContain('../src/main.ts');
    expect(fs.existsSync(path.join(defaultOutDir, BUILT_WORKER_FILE))).toBe(true);
  });

  it('runs under plain node: ready, syncs over a WebSocket, compacts a large doc on the worker', async () => {
    const seed = seedWorkspace(temp.dir);
    const server = await startServerProcess(
      { DATA_DIR: temp.dir, PUBLIC_URL: 'http://desk.test' },
      ['--enable-source-maps', mainJs],
    );
    processes.push(server);
    expect(server.child.spawnargs.join(' ')).not.toMatch(/tsx/);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);

    // Past compactAfterBytes and compactOffThreadBytes: compacted on the worker thread.
    const docId = `${seed.workspaceId}:index`;
    const text = 'a ticket description, '.repeat(60_000);
    const writer = await TestSyncClient.connect(server.url, { token: seed.token });
    clients.push(writer);
    const written = writer.subscribe(docId);
    await writer.synced(docId);
    written.getText('t').insert(0, text);
    await writer.allAcked(docId);

    const reader = await TestSyncClient.connect(server.url, { token: seed.token });
    clients.push(reader);
    const read = reader.subscribe(docId, new Y.Doc());
    await reader.synced(docId);
    expect(read.getText('t').toString()).toBe(text);

    // The compaction runs after the ack, with nothing sent to clients: watch the store.
    const db = new BetterSqlite3(path.join(temp.dir, 'desk.sqlite'), { readonly: true });
    const stateRow = db.prepare('SELECT 1 FROM doc_states WHERE doc_id = ?');
    try {
      await vi.waitFor(() => expect(stateRow.get(docId)).toBeDefined(), {
        timeout: 60_000,
        interval: 50,
      });
    } finally {
      db.close();
    }
    // Logged by the child before the compaction, read from its stdout pipe: on a busy
    // machine the line can arrive after the row is visible in the database.
    await vi.waitFor(
      () =>
        expect(server.logs).toContainEqual(
          expect.objectContaining({ msg: 'off-thread worker started', built: true }),
        ),
      { timeout: 30_000, interval: 50 },
    );
    const failures = server.logs.filter((line) => (line as { level?: number }).level! >= 50);
    expect(failures).toEqual([]);

    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
  });

  it('checks passwords with argon2, loaded on the first login, not at start; zod speaks English', async () => {
    const seed = seedWorkspace(temp.dir);
    const db = new BetterSqlite3(path.join(temp.dir, 'desk.sqlite'));
    const email = 'owner@example.com';
    db.prepare('UPDATE users SET email = ?, password_hash = ? WHERE id = ?').run(
      email,
      await hashPassword('a long enough passphrase'),
      seed.userId,
    );
    db.close();
    const server = await startServerProcess(
      { DATA_DIR: temp.dir, PUBLIC_URL: 'http://desk.test' },
      ['--enable-source-maps', mainJs],
    );
    processes.push(server);
    const login = (password: string) =>
      fetch(`${server.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: 'http://desk.test' },
        body: JSON.stringify({ email, password }),
      });

    // The native module is mapped into the process only once a password is checked.
    const argon2Mapped = () =>
      fs.readFileSync(`/proc/${server.child.pid}/maps`, 'utf8').includes('argon2');
    expect(argon2Mapped()).toBe(false);

    const right = await login('a long enough passphrase');
    expect(right.status, await right.clone().text()).toBe(200);
    const wrong = await login('not the passphrase at all');
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe(
      'invalid_credentials',
    );
    expect(argon2Mapped()).toBe(true);

    // zod's messages in English, the one language the bundle keeps of them.
    const invalid = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'http://desk.test' },
      body: JSON.stringify({ email, password: 5 }),
    });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({
      error: { fields: { password: 'Invalid input: expected string, received number' } },
    });
  });
});
