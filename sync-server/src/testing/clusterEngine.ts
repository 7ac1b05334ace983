import { RedisAccessBus } from '../cluster/RedisAccessBus.ts';
import { RedisFanOut } from '../cluster/RedisFanOut.ts';
import { RedisUpdateBus } from '../cluster/RedisUpdateBus.ts';
import { createLogger } from '../log/logger.ts';
import { PgDocStore } from '../store/postgres/PgDocStore.ts';
import { PgPool } from '../store/postgres/PgPool.ts';
import { migratePg } from '../store/postgres/pgMigrations.ts';
import type { Authentication } from '../sync/SyncAuth.ts';
import { clusterDocStore } from '../sync/SyncDocStore.ts';
import { SyncEngine } from '../sync/SyncEngine.ts';
import type { SyncLimits } from '../sync/SyncLimits.ts';
import { StaticSyncAuth } from './StaticSyncAuth.ts';
import { openTestServerContext } from './syncCore.ts';

/** An upgrade the engine takes as authenticated (the users of `clusterEngine`'s auth). */
export const signedIn = (userId: string): Authentication => ({
  ok: true,
  principal: { userId, sessionId: `s-${userId}`, tokenId: null },
});

/**
 * The sync engine of one server process of a cluster, as a test runs it (issue 19): its own
 * pool on the shared PostgreSQL database, its own bus on the shared Redis key prefix, its
 * own rooms; users `ana` and `ben` may write to `ws1`. The lagging-document watch checks
 * every 100 ms. Access events (a session revoked…) cross processes on a `RedisAccessBus`;
 * what one misses while cut off from Redis is not rechecked here (`recheckAccess` needs
 * the engine's connections and the control plane's stores: SCALE-OUT.md).
 */
export async function clusterEngine(
  name: string,
  databaseUrl: string,
  redisUrl: string,
  prefix: string,
  limits: Partial<SyncLimits> = {},
) {
  const opened = openTestServerContext();
  const pool = new PgPool({ url: databaseUrl, max: 3, applicationName: name });
  await migratePg(pool);
  const store = new PgDocStore(pool);
  const bus = new RedisUpdateBus({ url: redisUrl, prefix, processId: name });
  const fanOut = new RedisFanOut({ bus, store, log: createLogger('silent'), lagCheckMs: 100 });
  const accessBus = new RedisAccessBus({
    url: redisUrl,
    prefix,
    processId: name,
    access: opened.ctx.access,
    missed: () => undefined,
  });
  await accessBus.ready();
  const auth = new StaticSyncAuth({
    'tok-ana': { userId: 'ana', workspaces: { ws1: 'write' } },
    'tok-ben': { userId: 'ben', workspaces: { ws1: 'write' } },
  });
  const engine = new SyncEngine(opened.ctx, {
    auth,
    sharedStore: await clusterDocStore(store),
    fanOut,
    limits: { closeGraceMs: 5_000, ...limits },
  });
  return {
    engine,
    store,
    /** Its auth: a test sets plan limits on it (`maxTickets`…). */
    auth,
    /** The process's access events (what its routes would emit). */
    access: opened.ctx.access,
    async close() {
      await engine.closeAll();
      await engine.flush();
      await accessBus.close();
      await fanOut.close();
      await pool.end();
      opened.close();
    },
  };
}
export type ClusterEngine = Awaited<ReturnType<typeof clusterEngine>>;
