import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import pg from 'pg';
import { describe } from 'vitest';
import { freePort } from '../../../test/support/freePort.ts';
import { suiteVerdict, type MissingPart } from '../../../test/support/suiteGate.ts';

/**
 * The real PostgreSQL and Redis the scale-out suites run against (issue 19). `.ci/run`
 * exports TEST_POSTGRES_URL (a trusted server, database `test`) and TEST_REDIS_URL; a
 * suite uses them only to find the servers — each test creates a database of its own
 * (`createTestDatabase`) or uses a key prefix of its own (`testKeyPrefix`), and suites that
 * stop Redis start their own `redis-server` (`startRedisServer`). Locally, unset or
 * unreachable servers skip the suite with a notice; under CI they fail it (test/support/suiteGate.ts).
 */
export const testPostgresUrl = process.env.TEST_POSTGRES_URL?.trim() || undefined;
export const testRedisUrl = process.env.TEST_REDIS_URL?.trim() || undefined;
export const redisServerPath = process.env.REDIS_SERVER_PATH ?? '/usr/bin/redis-server';

const postgresHowTo =
  'export TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test (.ci/run does)';
const redisHowTo = 'export TEST_REDIS_URL=redis://127.0.0.1:6379 (.ci/run does)';

async function postgresMissing(): Promise<MissingPart[]> {
  if (!testPostgresUrl) return [{ what: 'TEST_POSTGRES_URL is unset', howToGet: postgresHowTo }];
  const client = new pg.Client({
    connectionString: testPostgresUrl,
    connectionTimeoutMillis: 5000,
  });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return [];
  } catch (error) {
    return [
      {
        what: `PostgreSQL at ${testPostgresUrl} does not answer (${(error as Error).message})`,
        howToGet: 'start PostgreSQL there, or point TEST_POSTGRES_URL at one',
      },
    ];
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function redisMissing(needsServerBinary: boolean): Promise<MissingPart[]> {
  const missing: MissingPart[] = [];
  if (!testRedisUrl) missing.push({ what: 'TEST_REDIS_URL is unset', howToGet: redisHowTo });
  else {
    const { hostname, port } = new URL(testRedisUrl);
    const answered = await new Promise<boolean>((resolve) => {
      const socket = net.connect(Number(port || 6379), hostname, () => {
        socket.end();
        resolve(true);
      });
      socket.setTimeout(5000, () => socket.destroy());
      socket.on('error', () => resolve(false));
      socket.on('close', () => resolve(false));
    });
    if (!answered) {
      missing.push({
        what: `Redis at ${testRedisUrl} does not answer`,
        howToGet: 'start redis-server there, or point TEST_REDIS_URL at one',
      });
    }
  }
  if (needsServerBinary && !fs.existsSync(redisServerPath)) {
    missing.push({
      what: `no redis-server at ${redisServerPath} (the test starts and stops its own)`,
      howToGet: 'apt-get install redis-server, or set REDIS_SERVER_PATH',
    });
  }
  return missing;
}

async function gatedDescribe(
  name: string,
  missing: readonly MissingPart[],
  body: () => void,
): Promise<void> {
  const verdict = suiteVerdict(name, missing, process.env);
  if (verdict.kind === 'fail') throw verdict.error;
  if (verdict.kind === 'skip') console.warn(verdict.notice);
  describe.runIf(verdict.kind === 'run')(name, body);
}

/** A `describe` that runs where TEST_POSTGRES_URL names a PostgreSQL that answers. */
export async function describeWithPostgres(name: string, body: () => void): Promise<void> {
  await gatedDescribe(name, await postgresMissing(), body);
}

/**
 * A `describe` that runs where TEST_REDIS_URL names a Redis that answers and, when
 * `ownServer`, where redis-server can be started by the test itself.
 */
export async function describeWithRedis(
  name: string,
  options: { readonly ownServer: boolean },
  body: () => void,
): Promise<void> {
  await gatedDescribe(name, await redisMissing(options.ownServer), body);
}

/** A suite needing both (a Redis bus over a PostgreSQL store). */
export async function describeWithPostgresAndRedis(
  name: string,
  options: { readonly ownServer: boolean },
  body: () => void,
): Promise<void> {
  const missing = [...(await postgresMissing()), ...(await redisMissing(options.ownServer))];
  await gatedDescribe(name, missing, body);
}

export interface TestDatabase {
  /** postgres://… of the new, empty database. */
  readonly url: string;
  readonly name: string;
  /** Drops it, closing whatever connections are still open on it. */
  readonly drop: () => Promise<void>;
}

/** A fresh database on the TEST_POSTGRES_URL server, for one test. */
export async function createTestDatabase(
  options: { readonly icuLocale?: string } = {},
): Promise<TestDatabase> {
  if (!testPostgresUrl) throw new Error('TEST_POSTGRES_URL is unset');
  const name = `desk_test_${crypto.randomBytes(6).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: testPostgresUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  // An ICU locale (e.g. 'en-US') for a test whose SQL must not depend on the C collation.
  const collation = options.icuLocale
    ? ` TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE '${options.icuLocale}'`
    : '';
  await admin(`CREATE DATABASE ${name}${collation}`);
  const url = new URL(testPostgresUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** A key prefix no other test (or test run) shares, e.g. `t:3f9a…:`. */
export function testKeyPrefix(): string {
  return `t:${crypto.randomBytes(6).toString('hex')}:`;
}

export interface RedisServerProcess {
  readonly url: string;
  readonly port: number;
  /** Kills it (SIGKILL: no shutdown save) and waits for it to be gone. */
  readonly kill: () => Promise<void>;
  /** Starts it again on the same port and data directory. */
  readonly start: () => Promise<void>;
  /** Kills it for good and removes its data directory. */
  readonly dispose: () => Promise<void>;
}

/**
 * A redis-server of the test's own on a free port. `persistent`: an append-only file
 * fsynced on every write, so a kill and a start keep every acknowledged entry (Redis as
 * run in production); otherwise a restart comes back empty (a failover to a replica that
 * had not caught up, or a Redis run without persistence).
 */
export async function startRedisServer(options: {
  readonly persistent: boolean;
}): Promise<RedisServerProcess> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-redis-'));
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    options.persistent ? 'yes' : 'no',
    '--appendfsync',
    'always',
    '--logfile',
    path.join(dir, 'redis.log'),
  ];
  let child: ChildProcess | null = null;
  const start = async () => {
    const started = spawn(redisServerPath, args, { stdio: 'ignore' });
    child = started;
    // Ready when it accepts a connection; gone early means it could not start.
    for (let attempt = 0; ; attempt++) {
      if (started.exitCode !== null) {
        const log = fs.readFileSync(path.join(dir, 'redis.log'), 'utf8');
        throw new Error(`redis-server exited (${started.exitCode}): ${log.slice(-500)}`);
      }
      const up = await new Promise<boolean>((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () => {
          socket.end();
          resolve(true);
        });
        socket.on('error', () => resolve(false));
      });
      if (up) return;
      if (attempt > 200) throw new Error(`redis-server on ${port} did not start`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };
  const kill = async () => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill,
    start,
    dispose: async () => {
      await kill();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
