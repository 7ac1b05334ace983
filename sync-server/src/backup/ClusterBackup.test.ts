import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterEach, expect, it } from 'vitest';
import * as Y from 'yjs';
import { RedisJobLease } from '../cluster/RedisJobLease.ts';
import { RedisLeases } from '../cluster/RedisLeases.ts';
import { SqlUserStore } from '../identity/SqlUserStore.ts';
import { InProcessJobLease, type JobLease } from '../lifecycle/JobLease.ts';
import { PgDocStore } from '../store/postgres/PgDocStore.ts';
import { migratePg } from '../store/postgres/pgMigrations.ts';
import { PgPool } from '../store/postgres/PgPool.ts';
import { PgSqlDatabase } from '../store/sql/PgSqlDatabase.ts';
import {
  createTestDatabase,
  describeWithPostgres,
  describeWithPostgresAndRedis,
  testKeyPrefix,
  testRedisUrl,
  type TestDatabase,
} from '../testing/scaleOutParts.ts';
import { createClusterBackup, listClusterBackups } from './ClusterBackup.ts';
import {
  clusterBackupTick,
  readClusterBackupRecord,
  writeClusterBackupRecord,
} from './clusterBackupSchedule.ts';
import { backupPaths } from './installBackups.ts';
import { PgToolError, PgToolFailure } from './pgTools.ts';

const pgDumpPath = process.env.PG_DUMP_PATH ?? '/usr/bin/pg_dump';
const serverDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cliScript = path.join(serverDir, 'src/backup/cli.ts');
const tsx = path.join(serverDir, 'node_modules/.bin/tsx');
const DAY = 24 * 60 * 60 * 1000;
/** A test that starts the CLI (tsx) and runs pg_dump and pg_restore: slow on a loaded machine. */
const CLI_TEST_MS = 180_000;

interface Opened {
  database: TestDatabase;
  pool: PgPool;
  sql: PgSqlDatabase;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A database of the test's own, with the server's schema (as a cluster process migrates it). */
async function serverDatabase(options: { firstSeenLongAgo?: boolean } = {}): Promise<Opened> {
  const database = await createTestDatabase();
  const pool = new PgPool({ url: database.url, max: 4 });
  cleanups.push(async () => {
    await pool.end();
    await database.drop();
  });
  await migratePg(pool);
  const opened = { database, pool, sql: new PgSqlDatabase(pool) };
  if (options.firstSeenLongAgo ?? true) await firstSeenLongAgo(opened);
  return opened;
}

/** A fresh database with nothing in it: what an operator restores into. */
async function emptyDatabase(): Promise<Opened> {
  const database = await createTestDatabase();
  const pool = new PgPool({ url: database.url, max: 2 });
  cleanups.push(async () => {
    await pool.end();
    await database.drop();
  });
  return { database, pool, sql: new PgSqlDatabase(pool) };
}

function tempDataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-cluster-backup-'));
  cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const docIds = ['ws1:ticket:t1', 'ws1:ticket:t2', 'ws2:index'];

/** Documents as a cluster stores client updates, and an account. */
async function seed(db: Opened): Promise<void> {
  const docs = new PgDocStore(db.pool);
  for (const [i, docId] of docIds.entries()) {
    const doc = new Y.Doc();
    doc.getText('t').insert(0, `ticket text ${i}`);
    await docs.append([
      { docId, workspaceId: docId.split(':')[0]!, update: Y.encodeStateAsUpdate(doc) },
    ]);
    doc.getMap('m').set('n', i);
    await docs.append([
      { docId, workspaceId: docId.split(':')[0]!, update: Y.encodeStateAsUpdate(doc) },
    ]);
  }
  await new SqlUserStore(db.sql, Date.now).create({
    email: 'agent@example.com',
    displayName: 'Agent',
    passwordHash: 'hash-of-a-password',
  });
}

/** Each document as the sync engine would serve it: its merged Yjs state. */
async function docStates(db: Opened): Promise<Record<string, unknown>> {
  const docs = new PgDocStore(db.pool);
  const out: Record<string, unknown> = {};
  for (const docId of docIds) {
    const stored = await docs.load(docId);
    const doc = new Y.Doc();
    if (stored?.state) Y.applyUpdate(doc, stored.state);
    for (const update of stored?.log ?? []) Y.applyUpdate(doc, update);
    out[docId] = { t: doc.getText('t').toString(), m: doc.getMap('m').toJSON() };
  }
  return out;
}

/** Every table's row count, but `meta` and `audit_log` (a restore writes to both). */
async function rowCounts(db: Opened): Promise<Record<string, number>> {
  const tables = await db.sql.all<{ name: string }>(
    `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'
      AND tablename NOT IN ('meta', 'audit_log') ORDER BY tablename`,
  );
  const counts: Record<string, number> = {};
  for (const { name } of tables) {
    const row = await db.sql.get<{ n: number }>(`SELECT count(*) AS n FROM "${name}"`);
    counts[name] = row?.n ?? 0;
  }
  return counts;
}

/** As if the cluster's first tick had been long ago: the next tick is due. */
async function firstSeenLongAgo(db: Opened): Promise<void> {
  await writeClusterBackupRecord(db.sql, { at: 0, file: '', host: 'earlier', backupsDir: '' });
}

/** The backup job's own path: a timer tick under the job lease, dumping with createClusterBackup. */
function tick(
  db: Opened,
  backupsDir: string,
  options: { jobLease?: JobLease; now?: number; keep?: number; pgDump?: string } = {},
) {
  const now = options.now ?? Date.now();
  return clusterBackupTick({
    jobLease: options.jobLease ?? new InProcessJobLease(),
    sql: db.sql,
    intervalMs: DAY,
    backupsDir,
    now: () => now,
    backup: (lost) =>
      createClusterBackup({
        postgresUrl: db.database.url,
        sql: db.sql,
        backupsDir,
        now,
        keep: options.keep ?? 7,
        pgDumpPath: options.pgDump ?? pgDumpPath,
        attachmentsInS3: false,
        signal: lost,
      }),
  });
}

/** `pnpm restore …` as an operator runs it, against `target` as DATABASE_URL. */
function restoreCli(dataDir: string, target: Opened, ...args: string[]) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(tsx, [cliScript, 'restore', ...args], {
      cwd: serverDir,
      env: {
        PATH: process.env.PATH ?? '',
        DATA_DIR: dataDir,
        DATABASE_URL: target.database.url,
        // Required with a PostgreSQL DATABASE_URL; the restore never connects to it.
        REDIS_URL: 'redis://127.0.0.1:6379',
        PG_RESTORE_PATH: process.env.PG_RESTORE_PATH ?? '/usr/bin/pg_restore',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

await describeWithPostgres('cluster backups (pg_dump of the cluster database)', () => {
  it(
    'round-trips: a dump restored by the CLI into an empty database holds the same documents, accounts and rows, with a new store generation',
    async () => {
      const source = await serverDatabase();
      await seed(source);
      const dataDir = tempDataDir();
      const { backupsDir } = backupPaths(dataDir);

      const ticked = await tick(source, backupsDir);
      expect(ticked.outcome).toBe('ran');
      const [manifest] = listClusterBackups(backupsDir);
      expect(manifest).toMatchObject({
        kind: 'postgres',
        format: 'pg_dump-custom',
        attachments: 'in-dump',
        schemaVersion: expect.any(Number) as number,
      });
      expect(manifest!.bytes).toBe(fs.statSync(path.join(backupsDir, manifest!.file)).size);
      expect(manifest!.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(manifest!.pgDumpVersion).toMatch(/^pg_dump \(PostgreSQL\) \d+/);
      expect(await readClusterBackupRecord(source.sql)).toMatchObject({ file: manifest!.file });

      const target = await emptyDatabase();
      const restored = await restoreCli(dataDir, target, 'latest', '--yes');
      expect(restored.stderr).toBe('');
      expect(restored.code).toBe(0);
      expect(restored.stdout).toMatch(/checksum verified/);

      expect(await docStates(target)).toEqual(await docStates(source));
      expect(await rowCounts(target)).toEqual(await rowCounts(source));
      const account = await new SqlUserStore(target.sql, Date.now).byEmail('agent@example.com');
      expect(account).toMatchObject({ displayName: 'Agent', passwordHash: 'hash-of-a-password' });
      const before = await new PgDocStore(source.pool).generation();
      const after = await new PgDocStore(target.pool).generation();
      expect(after).not.toBe(before);
      expect(after).not.toBe('');
      const audit = await target.sql.get<{ action: string; target_id: string }>(
        "SELECT action, target_id FROM audit_log WHERE action = 'database.restored'",
      );
      expect(audit).toEqual({ action: 'database.restored', target_id: after });
      // Nothing of the password reaches argv or the output (the test server has none to leak,
      // so the URL shown must be the one given, without credentials).
      expect(restored.stdout).toContain(target.database.name);
    },
    CLI_TEST_MS,
  );

  it(
    'refuses to restore into a database that has tables, unless forced',
    async () => {
      const source = await serverDatabase();
      await seed(source);
      const dataDir = tempDataDir();
      const { backupsDir } = backupPaths(dataDir);
      await tick(source, backupsDir);

      const occupied = await serverDatabase();
      const refused = await restoreCli(dataDir, occupied, 'latest', '--yes');
      expect(refused.code).toBe(75);
      expect(refused.stderr).toMatch(/already has \d+ tables/);
      expect(await docStates(occupied)).not.toEqual(await docStates(source));

      const forced = await restoreCli(dataDir, occupied, 'latest', '--yes', '--force');
      expect(forced.stderr).toBe('');
      expect(forced.code).toBe(0);
      expect(await docStates(occupied)).toEqual(await docStates(source));
    },
    CLI_TEST_MS,
  );

  it(
    'refuses a dump whose checksum no longer matches its manifest',
    async () => {
      const source = await serverDatabase();
      await seed(source);
      const dataDir = tempDataDir();
      const { backupsDir } = backupPaths(dataDir);
      await tick(source, backupsDir);
      const [manifest] = listClusterBackups(backupsDir);
      fs.appendFileSync(path.join(backupsDir, manifest!.file), 'x');

      const target = await emptyDatabase();
      const refused = await restoreCli(dataDir, target, 'latest', '--yes');
      expect(refused.code).toBe(75);
      expect(refused.stderr).toMatch(/checksum does not match/);
    },
    CLI_TEST_MS,
  );

  it('fails with pg_tool_missing when pg_dump is not there, leaving no backup file and the record as it was', async () => {
    const source = await serverDatabase();
    const { backupsDir } = backupPaths(tempDataDir());

    const failure = await tick(source, backupsDir, { pgDump: '/nonexistent/bin/pg_dump' }).then(
      () => null,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(PgToolError);
    expect(failure).toMatchObject({ code: PgToolFailure.missing, tool: 'pg_dump' });
    expect(fs.readdirSync(backupsDir)).toEqual([]);
    // Still the record from before: the next tick tries again.
    expect(await readClusterBackupRecord(source.sql)).toMatchObject({ at: 0, file: '' });
  });

  it('fails with pg_tool_failed when pg_dump cannot dump, leaving no partial file and the older backups', async () => {
    const source = await serverDatabase();
    const { backupsDir } = backupPaths(tempDataDir());
    await tick(source, backupsDir, { now: Date.now() - 2 * DAY });
    const older = fs.readdirSync(backupsDir).sort();

    // The database is gone: pg_dump exits non-zero and says why.
    const failure = await createClusterBackup({
      postgresUrl: `${source.database.url}_gone`,
      sql: source.sql,
      backupsDir,
      now: Date.now(),
      keep: 7,
      pgDumpPath,
      attachmentsInS3: false,
    }).then(
      () => null,
      (err: unknown) => err,
    );
    expect(failure).toMatchObject({ code: PgToolFailure.failed, tool: 'pg_dump' });
    expect((failure as PgToolError).detail).toMatch(/does not exist/);
    expect(fs.readdirSync(backupsDir).sort()).toEqual(older);
  });

  it('keeps the BACKUP_KEEP newest dumps and deletes the older ones', async () => {
    const source = await serverDatabase();
    const { backupsDir } = backupPaths(tempDataDir());
    const start = Date.now() - 10 * DAY;
    const taken: string[] = [];
    for (let day = 0; day < 4; day++) {
      const ticked = await tick(source, backupsDir, { now: start + day * DAY, keep: 2 });
      if (ticked.outcome !== 'ran') throw new Error(`day ${day}: ${ticked.outcome}`);
      taken.push(ticked.manifest.file);
    }
    expect(listClusterBackups(backupsDir).map((m) => m.file)).toEqual([taken[3], taken[2]]);
    expect(fs.readdirSync(backupsDir).sort()).toEqual(
      [taken[2]!, `${taken[2]}.json`, taken[3]!, `${taken[3]}.json`].sort(),
    );
  });

  it("takes the cluster's first dump one interval after its first tick, as one process does after it starts", async () => {
    const source = await serverDatabase({ firstSeenLongAgo: false });
    const { backupsDir } = backupPaths(tempDataDir());
    const now = Date.now();
    expect(await tick(source, backupsDir, { now })).toMatchObject({
      outcome: 'not due',
      last: { at: now, file: '' },
    });
    expect((await tick(source, backupsDir, { now: now + DAY - 1 })).outcome).toBe('not due');
    expect(fs.existsSync(backupsDir)).toBe(false);
    expect((await tick(source, backupsDir, { now: now + DAY })).outcome).toBe('ran');
  });

  it('takes no second dump within the interval: the record in the database says when the last was', async () => {
    const source = await serverDatabase();
    const { backupsDir } = backupPaths(tempDataDir());
    const now = Date.now();
    expect((await tick(source, backupsDir, { now })).outcome).toBe('ran');
    expect((await tick(source, backupsDir, { now: now + DAY - 1 })).outcome).toBe('not due');
    expect((await tick(source, backupsDir, { now: now + DAY })).outcome).toBe('ran');
    expect(listClusterBackups(backupsDir)).toHaveLength(2);
  });
});

await describeWithPostgresAndRedis('cluster backups on two processes', { ownServer: false }, () => {
  const opened: RedisLeases[] = [];
  let prefix = '';
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((l) => l.close()));
    const redis = new Redis(testRedisUrl!);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  /** A process's job lease: its own Redis connection, the cluster's key prefix. */
  const processLease = () => {
    const leases = new RedisLeases({ url: testRedisUrl!, prefix });
    opened.push(leases);
    return new RedisJobLease(leases);
  };

  it('two processes whose backup timers fire together take one dump between them', async () => {
    prefix = testKeyPrefix();
    const source = await serverDatabase();
    await seed(source);
    const dirA = backupPaths(tempDataDir()).backupsDir;
    const dirB = backupPaths(tempDataDir()).backupsDir;
    const [a, b] = [processLease(), processLease()];
    const now = Date.now();

    const outcomes = await Promise.all([
      tick(source, dirA, { jobLease: a, now }),
      tick(source, dirB, { jobLease: b, now }),
    ]);
    // One ran; the other found the lease held, or (if it came after) the fresh record.
    expect(outcomes.map((o) => o.outcome).sort()).toSatisfy(
      (sorted: string[]) =>
        JSON.stringify(sorted) === JSON.stringify(['held elsewhere', 'ran']) ||
        JSON.stringify(sorted) === JSON.stringify(['not due', 'ran']),
    );
    const dumps = () => listClusterBackups(dirA).length + listClusterBackups(dirB).length;
    expect(dumps()).toBe(1);

    // Later ticks of either process within the interval take none.
    expect((await tick(source, dirA, { jobLease: a, now: now + 60_000 })).outcome).toBe('not due');
    expect((await tick(source, dirB, { jobLease: b, now: now + 120_000 })).outcome).toBe('not due');
    expect(dumps()).toBe(1);
  });
});
