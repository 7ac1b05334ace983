import fs from 'node:fs';
import path from 'node:path';
import { createTestDatabase, testKeyPrefix, testRedisUrl } from './scaleOutParts.ts';

/**
 * Which backend the integration suite's servers run on (issue 19: the suite runs against
 * both in CI). `TEST_SERVER_BACKEND=postgres` gives every test server a PostgreSQL database
 * of its own on the TEST_POSTGRES_URL server and a Redis key prefix of its own on
 * TEST_REDIS_URL: the server starts as a cluster process (one of one), so the suite's
 * requests and sockets go through the PostgreSQL stores, the Redis fan-out, leases and rate
 * limits. Unset (or `sqlite`), the servers run on their embedded SQLite file as always.
 */
export type TestServerBackend = 'sqlite' | 'postgres';

export function testServerBackend(env: NodeJS.ProcessEnv = process.env): TestServerBackend {
  const value = env.TEST_SERVER_BACKEND?.trim() || 'sqlite';
  if (value !== 'sqlite' && value !== 'postgres') {
    throw new Error(`TEST_SERVER_BACKEND must be sqlite or postgres, not "${value}"`);
  }
  return value;
}

/** What a test server adds to its configuration on the chosen backend. */
export interface ServerBackendParts {
  /** DATABASE_URL, REDIS_URL and REDIS_PREFIX on PostgreSQL; nothing on SQLite. */
  readonly env: Record<string, string>;
  /**
   * Drops the server's database: for whoever removes the data directory, after the server
   * stopped (a server restarted on a directory the test keeps reopens the same database).
   */
  readonly release: () => Promise<void>;
}

/**
 * Where a server on `dataDir` keeps its PostgreSQL database's address: a server started
 * again on the same directory (a restart test) reopens the same database, as a restarted
 * process of a real deployment does.
 */
const MARKER = 'test-postgres.json';

export interface Marker {
  readonly url: string;
  readonly prefix: string;
}

/** The database of the test server on `dataDir`, or null when it runs on SQLite. */
export function testServerPostgresUrl(dataDir: string): string | null {
  const markerPath = path.join(dataDir, MARKER);
  if (!fs.existsSync(markerPath)) return null;
  return (JSON.parse(fs.readFileSync(markerPath, 'utf8')) as Marker).url;
}

/**
 * The backend parts of a test server whose data directory is `dataDir`. A test that names
 * DATABASE_URL or REDIS_URL itself (the cluster tests, the config tests) keeps its own: the
 * caller's env wins when merged after these.
 */
export async function serverBackendParts(
  dataDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ServerBackendParts> {
  if (testServerBackend(env) === 'sqlite') return { env: {}, release: async () => {} };
  if (!testRedisUrl) throw new Error('TEST_SERVER_BACKEND=postgres needs TEST_REDIS_URL');
  const markerPath = path.join(dataDir, MARKER);
  if (fs.existsSync(markerPath)) {
    // A restart: whoever started it first drops it when the directory goes.
    const marker = JSON.parse(fs.readFileSync(markerPath, 'utf8')) as Marker;
    return { env: partsEnv(marker), release: async () => {} };
  }
  const database = await createTestDatabase();
  const marker: Marker = { url: database.url, prefix: testKeyPrefix() };
  markPostgresServer(dataDir, marker);
  return { env: partsEnv(marker), release: database.drop };
}

/**
 * Records that the server on `dataDir` runs on the PostgreSQL database `url` (what the
 * outbox reader and a restart look for) — for tests that choose their database themselves
 * (the cluster tests: two servers on one database).
 */
export function markPostgresServer(dataDir: string, marker: Marker): void {
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(path.join(dataDir, MARKER), JSON.stringify(marker));
}

function partsEnv(marker: Marker): Record<string, string> {
  return { DATABASE_URL: marker.url, REDIS_URL: testRedisUrl!, REDIS_PREFIX: marker.prefix };
}
