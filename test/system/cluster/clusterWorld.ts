import { expect } from 'vitest';
import WebSocket from 'ws';
import { MemoryStore, SyncClient, type DocHandle } from '@desk/client';
import { PgPool } from '../../../sync-server/src/store/postgres/PgPool.ts';
import {
  startAuthTestServer,
  STRONG_PASSWORD,
  type AuthTestServer,
  type TestClient,
} from '../../../sync-server/src/testing/authTestServer.ts';
import {
  createTestDatabase,
  testKeyPrefix,
  testRedisUrl,
  type TestDatabase,
} from '../../../sync-server/src/testing/scaleOutParts.ts';
import { markPostgresServer } from '../../../sync-server/src/testing/testServerBackend.ts';

/**
 * Two real server processes of a cluster (issue 19) in one test process, as createServer
 * builds them from a PostgreSQL DATABASE_URL and REDIS_URL: each its own port, DATA_DIR (its
 * own SQLite for what is not cluster-wide yet), pool, bus and access channel, on one
 * PostgreSQL database of the test's own and one Redis key prefix — the setup of
 * clusterServers.test.ts, for suites of their own. `close` (afterEach) ends the clients,
 * the servers, the pool and the database.
 */
export interface ClusterWorld {
  twoServers(): Promise<{ a: AuthTestServer; b: AuthTestServer }>;
  /** Logs `email` in on `server` (a browser of its own there). */
  logIn(server: AuthTestServer, email: string): Promise<TestClient>;
  /** A sync client on `server`'s /sync with a token the logged-in `client` creates there. */
  syncClient(server: AuthTestServer, client: TestClient, workspaceId: string): Promise<SyncClient>;
  /** A query on the cluster's database (one pooled connection, the test's own). */
  query<R extends object>(sql: string, params?: unknown[]): Promise<R[]>;
  close(): Promise<void>;
}

export const synced = (handle: DocHandle) => handle.status.kind === 'synced';

export function clusterWorld(): ClusterWorld {
  let database: TestDatabase | null = null;
  let pool: PgPool | null = null;
  const servers: AuthTestServer[] = [];
  const clients: SyncClient[] = [];
  return {
    async twoServers() {
      database = await createTestDatabase();
      const prefix = testKeyPrefix();
      const env = { DATABASE_URL: database.url, REDIS_URL: testRedisUrl!, REDIS_PREFIX: prefix };
      const a = await startAuthTestServer(env);
      servers.push(a);
      const b = await startAuthTestServer(env);
      servers.push(b);
      // Their mail is in the database's outbox: the test helpers read it there.
      for (const server of [a, b]) {
        markPostgresServer(server.server.ctx.config.DATA_DIR, { url: database.url, prefix });
      }
      return { a, b };
    },
    async logIn(server, email) {
      const client = server.client();
      const res = await client.post('/api/auth/login', { email, password: STRONG_PASSWORD });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return client;
    },
    async syncClient(server, client, workspaceId) {
      const res = await client.post<{ token: string }>('/api/auth/tokens', {
        name: 'sync',
        workspaceId,
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      const sync = new SyncClient({
        url: `${server.server.url.replace(/^http/, 'ws')}/sync?token=${res.body.token}`,
        WebSocket,
        store: new MemoryStore(),
        backoff: { baseMs: 50, maxMs: 200, minMs: 10 },
        releaseGraceMs: 0,
      });
      clients.push(sync);
      return sync;
    },
    async query<R extends object>(sql: string, params: unknown[] = []) {
      if (!database) throw new Error('twoServers first');
      pool ??= new PgPool({ url: database.url, max: 1 });
      return (await pool.query<R>(sql, params)).rows;
    },
    async close() {
      for (const client of clients.splice(0)) await client.close();
      for (const server of servers.splice(0)) await server.close();
      await pool?.end();
      pool = null;
      await database?.drop();
      database = null;
    },
  };
}
