import { RedisFanOut } from '../cluster/RedisFanOut.ts';
import { RedisJobLease } from '../cluster/RedisJobLease.ts';
import { RedisLeases } from '../cluster/RedisLeases.ts';
import { RedisUpdateBus } from '../cluster/RedisUpdateBus.ts';
import { startClusterAccess } from '../cluster/startClusterAccess.ts';
import type { RecheckResult } from '../access/recheckAccess.ts';
import { SqlAccessTokenStore } from '../identity/SqlAccessTokenStore.ts';
import { SqlSessionStore } from '../identity/SqlSessionStore.ts';
import { SqlUserStore } from '../identity/SqlUserStore.ts';
import type { JobLease, JobLeaseOutcome } from '../lifecycle/JobLease.ts';
import { createLogger } from '../log/logger.ts';
import { PgDocStore } from '../store/postgres/PgDocStore.ts';
import { PgPool } from '../store/postgres/PgPool.ts';
import { migratePg } from '../store/postgres/pgMigrations.ts';
import { PgSqlDatabase } from '../store/sql/PgSqlDatabase.ts';
import type { SqlDatabase } from '../store/sql/SqlDatabase.ts';
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
 * every 100 ms (`lagCheckMs`: a test that runs its passes itself, `fanOut.checkLagging`,
 * sets it out of reach). Access events (a session revoked…) cross processes as a server process's do
 * (`startClusterAccess`): relayed over Redis, and what one missed while cut off from Redis
 * rechecked against the control plane in the shared database, where `ana` and `ben` have
 * the sessions `signedIn` names. Compactions take the `compact:<docId>` lease in Redis, as a
 * server process's do; what came of each ask is in `compactions`.
 */
export async function clusterEngine(
  name: string,
  databaseUrl: string,
  redisUrl: string,
  prefix: string,
  limits: Partial<SyncLimits> = {},
  options: { readonly lagCheckMs?: number } = {},
) {
  const opened = openTestServerContext();
  const pool = new PgPool({ url: databaseUrl, max: 3, applicationName: name });
  await migratePg(pool);
  const store = new PgDocStore(pool);
  const bus = new RedisUpdateBus({ url: redisUrl, prefix, processId: name });
  const fanOut = new RedisFanOut({
    bus,
    store,
    log: createLogger('silent'),
    lagCheckMs: options.lagCheckMs ?? 100,
  });
  const auth = new StaticSyncAuth({
    'tok-ana': { userId: 'ana', workspaces: { ws1: 'write' } },
    'tok-ben': { userId: 'ben', workspaces: { ws1: 'write' } },
  });
  const leases = new RedisLeases({ url: redisUrl, prefix, holderId: name });
  const compactions: JobLeaseOutcome[] = [];
  const jobLease = new RedisJobLease(leases);
  const compactionLease: JobLease = {
    runOnce: async (leaseName, job) => {
      const outcome = await jobLease.runOnce(leaseName, job);
      compactions.push(outcome);
      return outcome;
    },
  };
  const engine = new SyncEngine(opened.ctx, {
    auth,
    sharedStore: await clusterDocStore(store),
    fanOut,
    compactionLease,
    limits: { closeGraceMs: 5_000, ...limits },
  });
  const sql = new PgSqlDatabase(pool);
  await seedSignedInUsers(sql);
  const users = new SqlUserStore(sql, Date.now);
  const rechecks: RecheckResult[] = [];
  const clusterAccess = await startClusterAccess({
    url: redisUrl,
    prefix,
    processId: name,
    access: opened.ctx.access,
    engine,
    stores: {
      users,
      sessions: new SqlSessionStore(sql, Date.now, opened.ctx.access, users),
      tokens: new SqlAccessTokenStore(sql, Date.now, opened.ctx.access, users),
    },
    now: Date.now,
    log: createLogger('silent'),
    rechecked: (result) => rechecks.push(result),
  });
  return {
    engine,
    store,
    /** Its fan-out over Redis, and the lagging-document watch's passes (`checkLagging`). */
    fanOut,
    /** Its auth: a test sets plan limits on it (`maxTickets`…). */
    auth,
    /** The process's access events (what its routes would emit). */
    access: opened.ctx.access,
    /** The shared control-plane database, as this process reaches it. */
    sql: sql as SqlDatabase,
    /** What each recheck after a cut of the access channel did. */
    rechecks,
    /** What came of each compaction's ask for its lease, in order. */
    compactions,
    async close() {
      await engine.closeAll();
      await engine.flush();
      await clusterAccess.close();
      await leases.close();
      await fanOut.close();
      await pool.end();
      opened.close();
    },
  };
}
export type ClusterEngine = Awaited<ReturnType<typeof clusterEngine>>;

/** The accounts behind `signedIn('ana')` and `signedIn('ben')`, in the shared database. */
async function seedSignedInUsers(sql: SqlDatabase): Promise<void> {
  const now = Date.now();
  const aYear = 365 * 24 * 60 * 60 * 1000;
  for (const userId of ['ana', 'ben']) {
    await sql.run(
      `INSERT INTO users (id, email, display_name, password_hash, created_at, updated_at)
       VALUES (?, ?, ?, 'x', ?, ?) ON CONFLICT (id) DO NOTHING`,
      [userId, `${userId}@example.com`, userId, now, now],
    );
    await sql.run(
      `INSERT INTO sessions (id, user_id, token_hash, created_at, expires_at, last_seen_at)
       VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
      [`s-${userId}`, userId, `hash-${userId}`, now, now + aYear, now],
    );
  }
}
