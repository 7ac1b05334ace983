import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { startAuthTestServer, type AuthTestServer } from '../testing/authTestServer.ts';
import {
  createTestDatabase,
  describeWithPostgresAndRedis,
  testKeyPrefix,
  testRedisUrl,
  type TestDatabase,
} from '../testing/scaleOutParts.ts';
import { PgPool } from '../store/postgres/PgPool.ts';
import { PgSqlDatabase } from '../store/sql/PgSqlDatabase.ts';
import { listBackups } from './backupFiles.ts';
import { readClusterBackupRecord } from './clusterBackupSchedule.ts';
import { listClusterBackups } from './ClusterBackup.ts';
import { backupPaths } from './installBackups.ts';

const pgDumpPath = process.env.PG_DUMP_PATH ?? '/usr/bin/pg_dump';
/** Waiting for a timer's first tick and a pg_dump, on a loaded machine. */
const TICK_WAIT = { timeout: 90_000, interval: 100 };
const TEST_MS = 120_000;

interface LogLine {
  msg: string;
  code?: string;
  tool?: string;
  file?: string;
}

await describeWithPostgresAndRedis("a cluster process's backup job", { ownServer: false }, () => {
  let database: TestDatabase | null = null;
  let t: AuthTestServer | null = null;
  afterEach(async () => {
    await t?.close();
    await database?.drop();
    t = null;
    database = null;
  });

  async function startClusterProcess(env: Record<string, string>, logLines: string[]) {
    database = await createTestDatabase();
    t = await startAuthTestServer(
      {
        DATABASE_URL: database.url,
        REDIS_URL: testRedisUrl!,
        REDIS_PREFIX: testKeyPrefix(),
        SNAPSHOT_INTERVAL_MINUTES: '0',
        BACKUP_INTERVAL_HOURS: '1',
        ...env,
      },
      // The timer looks this often whether the cluster's backup is due.
      { logLines, clusterPollMs: 50 },
    );
    return backupPaths(t.server.ctx.config.DATA_DIR).backupsDir;
  }

  /** Whether the cluster's backup record exists yet (its first tick ran). */
  async function firstSeen(): Promise<boolean> {
    const pool = new PgPool({ url: database!.url, max: 1 });
    try {
      return (await readClusterBackupRecord(new PgSqlDatabase(pool))) !== null;
    } finally {
      await pool.end();
    }
  }

  const parsed = (lines: readonly string[]) => lines.map((line) => JSON.parse(line) as LogLine);

  it(
    'dumps PostgreSQL on its timer, not the process SQLite file',
    async () => {
      const logLines: string[] = [];
      const backupsDir = await startClusterProcess({ PG_DUMP_PATH: pgDumpPath }, logLines);

      // The first tick notes when the cluster was first seen; an interval later it dumps.
      await expect.poll(() => firstSeen(), TICK_WAIT).toBe(true);
      expect(listClusterBackups(backupsDir)).toEqual([]);
      t!.clock.advance(60 * 60 * 1000);
      await expect.poll(() => listClusterBackups(backupsDir).length, TICK_WAIT).toBe(1);
      expect(listBackups(backupsDir)).toEqual([]);
      const [dump] = listClusterBackups(backupsDir);
      expect(fs.readFileSync(path.join(backupsDir, dump!.file)).subarray(0, 5).toString()).toBe(
        'PGDMP',
      );
      await expect
        .poll(() => parsed(logLines).find((l) => l.msg === 'database backup written'), TICK_WAIT)
        .toMatchObject({ file: dump!.file });
    },
    TEST_MS,
  );

  it(
    'logs a missing pg_dump as an error with its code, and writes no backup',
    async () => {
      const logLines: string[] = [];
      const backupsDir = await startClusterProcess(
        { PG_DUMP_PATH: '/nonexistent/bin/pg_dump' },
        logLines,
      );

      await expect.poll(() => firstSeen(), TICK_WAIT).toBe(true);
      t!.clock.advance(60 * 60 * 1000);
      await expect
        .poll(() => parsed(logLines).find((l) => l.msg === 'database backup failed'), TICK_WAIT)
        .toMatchObject({ code: 'pg_tool_missing', tool: 'pg_dump' });
      expect(listClusterBackups(backupsDir)).toEqual([]);
      expect(
        (fs.existsSync(backupsDir) ? fs.readdirSync(backupsDir) : []).filter((name) =>
          name.includes('.pgdump'),
        ),
      ).toEqual([]);
      // Never logged as written.
      expect(parsed(logLines).some((l) => l.msg === 'database backup written')).toBe(false);
    },
    TEST_MS,
  );
});
