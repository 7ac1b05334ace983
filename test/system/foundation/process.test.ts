import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServerProcess, serverEntry } from '../../support/serverProcess.ts';
import { makeTempDir } from '../../support/tempDir.ts';
import { spawnSync } from 'node:child_process';

describe('the server process', () => {
  let temp: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    temp = makeTempDir();
  });
  afterEach(() => temp.remove());

  it('creates its data folder and database on first start', async () => {
    const dataDir = path.join(temp.dir, 'data');
    const server = await startServerProcess({ DATA_DIR: dataDir });
    expect(fs.existsSync(path.join(dataDir, 'desk.sqlite'))).toBe(true);
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    server.child.kill('SIGTERM');
    await server.exited;
  });

  it('shuts down cleanly on SIGTERM: exit code 0, database intact and checkpointed', async () => {
    const server = await startServerProcess({ DATA_DIR: temp.dir });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.logs).toContainEqual(expect.objectContaining({ msg: 'shutdown complete' }));

    const db = new BetterSqlite3(path.join(temp.dir, 'desk.sqlite'), { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
    // The WAL was folded back into the database file on the way out.
    const wal = path.join(temp.dir, 'desk.sqlite-wal');
    expect(!fs.existsSync(wal) || fs.statSync(wal).size === 0).toBe(true);
  });

  it('shuts down cleanly on SIGINT too', async () => {
    const server = await startServerProcess({ DATA_DIR: temp.dir });
    server.child.kill('SIGINT');
    expect(await server.exited).toEqual({ code: 0, signal: null });
  });

  it('stops with a message naming the variable when the configuration is bad', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', serverEntry], {
      env: { PATH: process.env.PATH ?? '', PORT: 'not-a-port', DATA_DIR: temp.dir },
      encoding: 'utf8',
    });
    expect(result.status).toBe(78);
    expect(result.stderr).toMatch(/PORT/);
    expect(fs.existsSync(path.join(temp.dir, 'desk.sqlite'))).toBe(false);
  });

  it.each([
    // A cluster process needs both: Redis alone would split workspaces over SQLite files,
    // PostgreSQL alone would let processes miss each other's updates.
    ['REDIS_URL', 'redis://127.0.0.1:6379', /DATABASE_URL[\s\S]*postgres:\/\/ URL/],
    ['DATABASE_URL', 'postgres://desk@127.0.0.1:5432/desk', /REDIS_URL[\s\S]*cluster process/],
  ])(
    'refuses to start with %s set alone (a cluster process needs both), naming the other, before touching DATA_DIR',
    (variable, value, message) => {
      const result = spawnSync(process.execPath, ['--import', 'tsx', serverEntry], {
        env: { PATH: process.env.PATH ?? '', PORT: '0', DATA_DIR: temp.dir, [variable]: value },
        encoding: 'utf8',
      });
      expect(result.status).toBe(78);
      expect(result.stderr).toMatch(message);
      expect(fs.existsSync(path.join(temp.dir, 'desk.sqlite'))).toBe(false);
    },
  );

  it('refuses to start on a database written by a newer release, without changing it', async () => {
    const server = await startServerProcess({ DATA_DIR: temp.dir });
    server.child.kill('SIGTERM');
    await server.exited;
    const file = path.join(temp.dir, 'desk.sqlite');
    const db = new BetterSqlite3(file);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
      9999,
      'from the future',
      Date.now(),
    );
    db.close();

    const result = spawnSync(process.execPath, ['--import', 'tsx', serverEntry], {
      env: { PATH: process.env.PATH ?? '', PORT: '0', DATA_DIR: temp.dir },
      encoding: 'utf8',
    });
    expect(result.status).toBe(78);
    expect(result.stdout + result.stderr).toMatch(/newer release/);
    const after = new BetterSqlite3(file, { readonly: true });
    expect(after.prepare('SELECT MAX(version) FROM schema_migrations').pluck().get()).toBe(9999);
    after.close();
  });
});
