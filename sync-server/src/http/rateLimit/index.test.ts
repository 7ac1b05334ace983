import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '@desk/protocol';
import { openSqlite } from '../../db/Database.ts';
import { migrate } from '../../db/migrate.ts';
import { migrations } from '../../db/migrations/index.ts';
import { AppError } from '../AppError.ts';
import { RATE_LIMIT_MAX_WINDOW_MS, SqliteRateLimiter } from './index.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function databaseFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-limiter-'));
  dirs.push(dir);
  return path.join(dir, 'desk.sqlite');
}

function open(file: string) {
  const db = openSqlite(file);
  migrate(db, migrations);
  return db;
}

function refusal(fn: () => void): AppError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected the limiter to refuse');
}

const limit = { limit: 3, windowMs: 60_000 };

describe('RateLimiter', () => {
  it('allows `limit` attempts in the window and refuses the next with rate_limited and retryAfter', () => {
    let now = 1_000_000;
    const limiter = new SqliteRateLimiter(open(databaseFile()), () => now);
    limiter.consume('k', limit);
    now += 10_000;
    limiter.consume('k', limit);
    limiter.consume('k', limit);
    const error = refusal(() => limiter.consume('k', limit));
    expect(error.code).toBe(ErrorCode.rateLimited);
    expect(error.status).toBe(429);
    // The oldest attempt leaves the window 50 s from now.
    expect(error.extra.retryAfter).toBe(50);
  });

  it('slides: each attempt frees up when it leaves the window', () => {
    let now = 0;
    const limiter = new SqliteRateLimiter(open(databaseFile()), () => now);
    for (let i = 0; i < 3; i += 1) {
      limiter.consume('k', limit);
      now += 20_000;
    }
    // now = 60 s: the first attempt (at 0) has just left the window.
    limiter.consume('k', limit);
    expect(() => limiter.consume('k', limit)).toThrow(AppError);
  });

  it('keeps keys apart', () => {
    const limiter = new SqliteRateLimiter(open(databaseFile()), () => 0);
    for (let i = 0; i < 3; i += 1) limiter.consume('a', limit);
    expect(() => limiter.consume('b', limit)).not.toThrow();
  });

  it('holds across a restart (the window lives in the database)', () => {
    const file = databaseFile();
    const first = open(file);
    const before = new SqliteRateLimiter(first, () => 5_000);
    for (let i = 0; i < 3; i += 1) before.consume('login:account:a@example.com', limit);
    first.close();
    const after = new SqliteRateLimiter(open(file), () => 6_000);
    expect(
      refusal(() => after.consume('login:account:a@example.com', limit)).extra.retryAfter,
    ).toBe(59);
  });

  it('forgets a key on reset', () => {
    const limiter = new SqliteRateLimiter(open(databaseFile()), () => 0);
    for (let i = 0; i < 3; i += 1) limiter.consume('k', limit);
    limiter.reset('k');
    expect(() => limiter.consume('k', limit)).not.toThrow();
  });

  it('sweeps rows older than the longest window, whatever their key', () => {
    let now = 0;
    const db = open(databaseFile());
    const limiter = new SqliteRateLimiter(db, () => now);
    limiter.consume('login:account:random1@example.com', limit);
    now = RATE_LIMIT_MAX_WINDOW_MS - 1;
    limiter.consume('login:account:random2@example.com', limit);
    now = RATE_LIMIT_MAX_WINDOW_MS;
    expect(limiter.sweep()).toBe(1);
    expect(db.prepare('SELECT key FROM rate_limit_hits').all()).toEqual([
      { key: 'login:account:random2@example.com' },
    ]);
  });

  it('refuses a window longer than the sweep keeps', () => {
    const limiter = new SqliteRateLimiter(open(databaseFile()), () => 0);
    expect(() =>
      limiter.consume('k', { limit: 1, windowMs: RATE_LIMIT_MAX_WINDOW_MS + 1 }),
    ).toThrow(/exceeds/);
  });
});
