import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '@desk/protocol';
import { openSqlite } from '../db/Database.ts';
import { migrate } from '../db/migrate.ts';
import { migrations } from '../db/migrations/index.ts';
import { AppError } from '../http/AppError.ts';
import { backoffDelayMs, loginKeys, SqliteLoginThrottle, type Backoff } from './LoginThrottle.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function setup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-throttle-'));
  dirs.push(dir);
  const db = openSqlite(path.join(dir, 'desk.sqlite'));
  migrate(db, migrations);
  const clock = { now: 1_000_000_000 };
  return { db, clock, throttle: new SqliteLoginThrottle(db, () => clock.now) };
}

const backoff: Backoff = { freeFailures: 2, baseDelayMs: 1000, maxDelayMs: 8000, windowMs: 60_000 };
const key = (name: string) => ({ key: name, backoff });

function refusal(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected the throttle to refuse');
}

describe('backoffDelayMs', () => {
  it('is free up to the free failures, then doubles from the base delay up to the cap', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 100].map((n) => backoffDelayMs(n, backoff))).toEqual([
      0, 0, 0, 1000, 2000, 4000, 8000, 8000, 8000,
    ]);
  });
});

describe('LoginThrottle', () => {
  it('lets the free failures through, then refuses until the growing delay has passed', () => {
    const { throttle, clock } = setup();
    throttle.begin([key('k')]);
    throttle.begin([key('k')]);
    throttle.begin([key('k')]); // the third failure earns 1 s
    const waits: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      const error = refusal(() => throttle.begin([key('k')]));
      expect(error.code).toBe(ErrorCode.rateLimited);
      expect(error.status).toBe(429);
      waits.push(error.extra.retryAfter!);
      clock.now += error.extra.retryAfter! * 1000;
      throttle.begin([key('k')]); // admitted after the wait, and fails again
    }
    expect(waits).toEqual([1, 2, 4, 8]);
    // The cap holds.
    expect(refusal(() => throttle.begin([key('k')])).extra.retryAfter).toBe(8);
  });

  it('waits for the longest delay among the keys, and keeps keys apart', () => {
    const { throttle, clock } = setup();
    for (let i = 0; i < 3; i += 1) throttle.begin([key('a')]);
    clock.now += 1000;
    throttle.begin([key('a')]); // the fourth failure earns 2 s
    expect(refusal(() => throttle.begin([key('b'), key('a')])).extra.retryAfter).toBe(2);
    expect(() => throttle.begin([key('b')])).not.toThrow();
  });

  it('does not count a refused attempt', () => {
    const { throttle, db } = setup();
    for (let i = 0; i < 3; i += 1) throttle.begin([key('k')]);
    for (let i = 0; i < 5; i += 1) refusal(() => throttle.begin([key('k')]));
    expect(db.prepare('SELECT COUNT(*) AS n FROM rate_limit_hits').get()).toEqual({ n: 3 });
  });

  it('uncounts a successful attempt and clears the keys it is told to', () => {
    const { throttle, db } = setup();
    throttle.begin([key('mine'), key('shared')]);
    const attempt = throttle.begin([key('mine'), key('shared')]);
    throttle.succeeded(attempt, ['mine']);
    expect(db.prepare('SELECT key FROM rate_limit_hits').all()).toEqual([{ key: 'shared' }]);
  });

  it('forgets failures once they leave the window', () => {
    const { throttle, clock } = setup();
    for (let i = 0; i < 5; i += 1) {
      clock.now += 10_000;
      throttle.begin([key('k')]);
    }
    clock.now += 60_000;
    expect(() => throttle.begin([key('k')])).not.toThrow();
  });

  it("forgets an account's failures, from every address and device, and no other account's", () => {
    const { throttle, db } = setup();
    const email = 'a@b.co';
    for (const name of [
      loginKeys.account(email),
      loginKeys.accountFromAddress(email, '10.0.0.1'),
      loginKeys.accountFromAddress(email, '::1'),
      loginKeys.device('dev1'),
      // Another account whose email starts with this one's must keep its failures.
      loginKeys.account('a@b.com'),
      loginKeys.accountFromAddress('a@b.com', '10.0.0.1'),
      loginKeys.address('10.0.0.1'),
    ]) {
      throttle.begin([key(name)]);
    }
    throttle.forgetAccount(email, ['dev1']);
    const left = db.prepare('SELECT key FROM rate_limit_hits').all() as { key: string }[];
    expect(left.map((row) => row.key).sort()).toEqual(
      [
        loginKeys.account('a@b.com'),
        loginKeys.accountFromAddress('a@b.com', '10.0.0.1'),
        loginKeys.address('10.0.0.1'),
      ].sort(),
    );
  });

  it('admits parallel attempts one at a time: a burst cannot outrun the count', () => {
    const { throttle } = setup();
    const admitted = Array.from({ length: 10 }, () => {
      try {
        throttle.begin([key('k')]);
        return true;
      } catch {
        return false;
      }
    }).filter(Boolean).length;
    expect(admitted).toBe(3);
  });
});
