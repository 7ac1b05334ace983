import { expect } from 'vitest';
import WebSocket from 'ws';
import { MemoryStore, SyncClient, type DocHandle } from '@desk/client';
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
import { PgPool } from '../../../sync-server/src/store/postgres/PgPool.ts';

/**
 * Real server processes of one cluster (issue 19) in one test process, as createServer
 * builds them from a PostgreSQL DATABASE_URL and REDIS_URL: each its own port, DATA_DIR (its
 * own SQLite for what is not cluster-wide yet), pool, bus and access channel, on one
 * PostgreSQL database of the test's own and one Redis key prefix. `close` ends every client
 * and process and drops the database (call it in `afterEach`).
 */
export interface ClusterProcesses {
  /**
   * The next process of the cluster (the database is created with the first); `options` as
   * startAuthTestServer's (a short `clusterPollMs`, `logLines`).
   */
  start(options?: Parameters<typeof startAuthTestServer>[1]): Promise<AuthTestServer>;
  /** Two processes, A and B. */
  twoServers(): Promise<{ a: AuthTestServer; b: AuthTestServer }>;
  /** Stops one process before the others (its shutdown: leases given up, sockets closed). */
  stop(server: AuthTestServer): Promise<void>;
  /** A query on the cluster's database (one pooled connection, the test's own). */
  query<R extends object>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Logs `email` in on `server` (a browser of its own there). */
  logIn(server: AuthTestServer, email: string): Promise<TestClient>;
  /** A sync client (the web's SyncClient) on `server`'s /sync with a token `client` creates. */
  syncClient(server: AuthTestServer, client: TestClient, workspaceId: string): Promise<SyncClient>;
  readonly database: TestDatabase | null;
  close(): Promise<void>;
}

export function clusterProcesses(): ClusterProcesses {
  let database: TestDatabase | null = null;
  let pool: PgPool | null = null;
  const prefix = testKeyPrefix();
  const servers: AuthTestServer[] = [];
  const clients: SyncClient[] = [];
  return {
    get database() {
      return database;
    },
    async start(options = {}) {
      database ??= await createTestDatabase();
      const env = { DATABASE_URL: database.url, REDIS_URL: testRedisUrl!, REDIS_PREFIX: prefix };
      const server = await startAuthTestServer(env, options);
      servers.push(server);
      // Its mail is in the database's outbox: the test helpers read it there.
      markPostgresServer(server.server.ctx.config.DATA_DIR, { url: database.url, prefix });
      return server;
    },
    async twoServers() {
      return { a: await this.start(), b: await this.start() };
    },
    async stop(server) {
      servers.splice(servers.indexOf(server), 1);
      await server.close();
    },
    async query<R extends object>(sql: string, params: unknown[] = []) {
      if (!database) throw new Error('start a process first');
      pool ??= new PgPool({ url: database.url, max: 1 });
      return (await pool.query<R>(sql, params)).rows;
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

export const synced = (handle: DocHandle) => handle.status.kind === 'synced';
