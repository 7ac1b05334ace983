import { Redis } from 'ioredis';
import { afterEach } from 'vitest';
import { RedisLeases } from '../cluster/RedisLeases.ts';
import { PgPool } from '../store/postgres/PgPool.ts';
import { migratePg } from '../store/postgres/pgMigrations.ts';
import {
  createTestDatabase,
  testKeyPrefix,
  testRedisUrl,
  type TestDatabase,
} from './scaleOutParts.ts';

/**
 * What each test of a job fenced under its lease runs on (cluster/fenced*.test.ts): a
 * PostgreSQL database and a Redis key prefix of the test's own, and per simulated process a
 * migrated pool and its leases. The leases' TTL is long, so that no renewal runs and tells
 * a paused holder it lost: a test takes a lease away with `expire`, as a TTL running out
 * while the holder is frozen would. Everything is closed after each test; call it inside a
 * describe body.
 */
export function fencedJobParts() {
  let database: TestDatabase | null = null;
  let prefix = '';
  const pools: PgPool[] = [];
  const leaseSets: RedisLeases[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    // What a test built on the parts (projectors, workers) goes first, newest first.
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await Promise.all(leaseSets.splice(0).map((l) => l.close()));
    await Promise.all(pools.splice(0).map((p) => p.end()));
    await database?.drop();
    database = null;
    const redis = new Redis(testRedisUrl!);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  return {
    /** Makes the test's database and key prefix: first thing in each test. */
    async start(): Promise<void> {
      database = await createTestDatabase();
      prefix = testKeyPrefix();
    },
    /** One process's pool on the test's database (migrated) and its leases, as `holderId`. */
    async process(holderId: string, maxConnections: number) {
      const pool = new PgPool({ url: database!.url, max: maxConnections });
      pools.push(pool);
      await migratePg(pool);
      const leases = new RedisLeases({ url: testRedisUrl!, prefix, holderId, ttlMs: 60_000 });
      leaseSets.push(leases);
      return { pool, leases };
    },
    /** The lease `name` (`compact:…`, `job:search`) gone from Redis, as at the end of its TTL. */
    async expire(name: string): Promise<void> {
      const redis = new Redis(testRedisUrl!);
      await redis.del(`${prefix}lease:${name}`);
      await redis.quit();
    },
    /** Runs after the test, before the pools and leases close. */
    onCleanup(cleanup: () => Promise<void>): void {
      cleanups.push(cleanup);
    },
  };
}
