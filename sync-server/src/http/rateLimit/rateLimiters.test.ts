import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { RedisRateLimiter } from '../../cluster/RedisRateLimiter.ts';
import { openSqlite, type SqliteDatabase } from '../../db/Database.ts';
import { migrate } from '../../db/migrate.ts';
import { migrations } from '../../db/migrations/index.ts';
import { describeRateLimiterContract } from '../../testing/rateLimiterContract.ts';
import { describeWithRedis, testKeyPrefix, testRedisUrl } from '../../testing/scaleOutParts.ts';
import { RATE_LIMIT_MAX_WINDOW_MS, SqliteRateLimiter } from './index.ts';

describeRateLimiterContract('SQLite', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-limiter-'));
  const file = path.join(dir, 'desk.sqlite');
  const connections: SqliteDatabase[] = [];
  return Promise.resolve({
    open(now: () => number) {
      const db = openSqlite(file);
      migrate(db, migrations);
      connections.push(db);
      return Promise.resolve(new SqliteRateLimiter(db, now));
    },
    close() {
      for (const db of connections.splice(0)) db.close();
      fs.rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  });
});

await describeWithRedis('RedisRateLimiter', { ownServer: false }, () => {
  describeRateLimiterContract('Redis', () => {
    const prefix = testKeyPrefix();
    const limiters: RedisRateLimiter[] = [];
    return Promise.resolve({
      open(now: () => number) {
        const limiter = new RedisRateLimiter({ url: testRedisUrl!, prefix, now });
        limiters.push(limiter);
        return Promise.resolve(limiter);
      },
      async close() {
        await Promise.all(limiters.splice(0).map((l) => l.close()));
        const redis = new Redis(testRedisUrl!);
        const keys = await redis.keys(`${prefix}*`);
        if (keys.length > 0) await redis.del(...keys);
        await redis.quit();
      },
    });
  });
});

describe('SqliteRateLimiter', () => {
  it('sweeps rows older than the longest window, whatever their key', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-limiter-'));
    const db = openSqlite(path.join(dir, 'desk.sqlite'));
    migrate(db, migrations);
    let now = 0;
    const limiter = new SqliteRateLimiter(db, () => now);
    const limit = { limit: 3, windowMs: 60_000 };
    await limiter.consume('login:account:random1@example.com', limit);
    now = RATE_LIMIT_MAX_WINDOW_MS - 1;
    await limiter.consume('login:account:random2@example.com', limit);
    now = RATE_LIMIT_MAX_WINDOW_MS;
    expect(await limiter.sweep()).toBe(1);
    expect(db.prepare('SELECT key FROM rate_limit_hits').all()).toEqual([
      { key: 'login:account:random2@example.com' },
    ]);
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
