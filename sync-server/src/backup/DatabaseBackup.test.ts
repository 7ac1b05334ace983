import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { loadConfig } from '../config/config.ts';
import { createServer, type RunningServer } from '../createServer.ts';
import { createLogger } from '../log/logger.ts';
import { listBackups } from './backupFiles.ts';
import { createBackup } from './DatabaseBackup.ts';
import { backupPaths } from './installBackups.ts';
import { restoreDatabase, RestoreRefusedError } from './restoreDatabase.ts';

const dirs: string[] = [];
const servers: RunningServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.stop();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-backup-'));
  dirs.push(dir);
  return dir;
}

async function start(dataDir: string): Promise<RunningServer> {
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    WEB_DIR: path.join(dataDir, 'no-web'),
    LOG_LEVEL: 'silent',
    SNAPSHOT_INTERVAL_MINUTES: '0',
    BACKUP_INTERVAL_HOURS: '0',
  });
  fs.mkdirSync(config.WEB_DIR, { recursive: true });
  const server = await createServer(config, createLogger('silent'));
  servers.push(server);
  return server;
}

async function stop(server: RunningServer): Promise<void> {
  servers.splice(servers.indexOf(server), 1);
  await server.stop();
}

/** Writes a few documents as the server would store client updates. */
async function writeDocs(server: RunningServer, words: readonly string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const [i, word] of words.entries()) {
    const docId = `ws${i % 2}:ticket:t${i}`;
    const doc = new Y.Doc();
    doc.getText('t').insert(0, word);
    doc.getMap('m').set('n', i);
    await server.sync.applyServerUpdate(docId, Y.encodeStateAsUpdate(doc));
    ids.push(docId);
  }
  return ids;
}

async function states(server: RunningServer, docIds: readonly string[]) {
  return Promise.all(docIds.map((id) => server.sync.readDocState(id)));
}

function restoreOptions(server: RunningServer, from = 'latest') {
  const { backupsDir, blobsDir } = backupPaths(server.ctx.config.DATA_DIR);
  return {
    dataDir: server.ctx.config.DATA_DIR,
    sqlitePath: server.ctx.config.sqlitePath!,
    backupsDir,
    blobsDir,
    from,
    port: 0,
    now: Date.now(),
  };
}

describe('database backups', () => {
  it('round-trips: a restored backup yields byte-identical document states and a new store generation', async () => {
    const dataDir = tempDataDir();
    let server = await start(dataDir);
    const docIds = await writeDocs(server, ['alpha', 'beta', 'gamma', 'delta']);
    const before = await states(server, docIds);
    const generation = server.sync.generation();
    const { backupsDir, blobsDir } = backupPaths(dataDir);
    fs.mkdirSync(path.join(blobsDir, 'ab'), { recursive: true });
    fs.writeFileSync(path.join(blobsDir, 'ab', 'abcdef'), 'attachment bytes');

    const manifest = await createBackup({
      db: server.ctx.db,
      backupsDir,
      blobsDir,
      now: Date.now(),
      keep: 3,
    });
    expect(manifest).toMatchObject({ integrity: 'ok', storeGeneration: generation });
    expect(manifest.blobs).toMatchObject({ count: 1, bytes: 16 });

    await writeDocs(server, ['changed after the backup']);
    const options = restoreOptions(server);
    await stop(server);
    fs.rmSync(blobsDir, { recursive: true }); // lost with the disk

    const outcome = await restoreDatabase(options);
    expect(outcome.blobsCopied).toBe(1);
    expect(fs.readFileSync(path.join(blobsDir, 'ab', 'abcdef'), 'utf8')).toBe('attachment bytes');
    expect(outcome.previousMovedTo).not.toBeNull();
    expect(fs.existsSync(outcome.previousMovedTo!)).toBe(true);

    server = await start(dataDir);
    expect(server.sync.generation()).toBe(outcome.storeGeneration);
    expect(server.sync.generation()).not.toBe(generation);
    const after = await states(server, docIds);
    expect(after.map((s) => Buffer.from(s).toString('base64'))).toEqual(
      before.map((s) => Buffer.from(s).toString('base64')),
    );
  });

  it('refuses to restore while a server is live on the data directory', async () => {
    const dataDir = tempDataDir();
    const server = await start(dataDir);
    const { backupsDir, blobsDir } = backupPaths(dataDir);
    await createBackup({ db: server.ctx.db, backupsDir, blobsDir, now: Date.now(), keep: 3 });

    await expect(restoreDatabase(restoreOptions(server))).rejects.toBeInstanceOf(
      RestoreRefusedError,
    );
    const byPort = { ...restoreOptions(server), dataDir: tempDataDir(), port: server.port };
    await expect(restoreDatabase(byPort)).rejects.toThrow(/answers on/);
  });

  it('refuses a backup that fails the integrity check, and leaves the database alone', async () => {
    const dataDir = tempDataDir();
    const server = await start(dataDir);
    const { backupsDir, blobsDir } = backupPaths(dataDir);
    const manifest = await createBackup({
      db: server.ctx.db,
      backupsDir,
      blobsDir,
      now: Date.now(),
      keep: 3,
    });
    const options = restoreOptions(server, manifest.file);
    await stop(server);
    const file = path.join(backupsDir, manifest.file);
    const bytes = fs.readFileSync(file);
    bytes.fill(0x5a, 4096, 8192); // scribble over the second page
    fs.writeFileSync(file, bytes);

    await expect(restoreDatabase(options)).rejects.toThrow(/integrity/);
    expect(fs.existsSync(options.sqlitePath)).toBe(true);
  });

  it('keeps only the newest backups and the blobs they still list', async () => {
    const dataDir = tempDataDir();
    const server = await start(dataDir);
    const { backupsDir, blobsDir } = backupPaths(dataDir);
    fs.mkdirSync(blobsDir, { recursive: true });
    const start0 = Date.parse('2026-11-27T00:00:00Z');
    for (let i = 0; i < 4; i += 1) {
      // Blob i exists only during backup i (deleted attachments leave later backups).
      fs.writeFileSync(path.join(blobsDir, `blob${i}`), `content ${i}`);
      if (i > 0) fs.rmSync(path.join(blobsDir, `blob${i - 1}`));
      await createBackup({
        db: server.ctx.db,
        backupsDir,
        blobsDir,
        now: start0 + i * 3_600_000,
        keep: 2,
      });
    }
    const kept = listBackups(backupsDir);
    expect(kept.map((m) => m.createdAt)).toEqual([start0 + 3 * 3_600_000, start0 + 2 * 3_600_000]);
    expect(fs.readdirSync(path.join(backupsDir, 'blobs')).sort()).toEqual(['blob2', 'blob3']);
    const sqliteFiles = fs.readdirSync(backupsDir).filter((f) => f.endsWith('.sqlite'));
    expect(sqliteFiles).toHaveLength(2);
  });
});
