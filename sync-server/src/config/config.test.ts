import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

function problemsOf(env: Record<string, string>): { variable: string; expected: string }[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('starts with defaults on an empty environment: port 3000, ./data, embedded SQLite', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(3000);
    expect(config.DATA_DIR).toBe(path.resolve('data'));
    expect(config.PUBLIC_URL).toBe('http://localhost:3000');
    expect(config.sqlitePath).toBe(path.resolve('data', 'desk.sqlite'));
    expect(config.REDIS_URL).toBeUndefined();
    expect(config.SMTP_URL).toBeUndefined();
  });

  it('derives PUBLIC_URL from PORT when unset and strips a trailing slash when set', () => {
    expect(loadConfig({ PORT: '8080' }).PUBLIC_URL).toBe('http://localhost:8080');
    expect(loadConfig({ PUBLIC_URL: 'https://desk.example.com/' }).PUBLIC_URL).toBe(
      'https://desk.example.com',
    );
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ PORT: '', REDIS_URL: '' }).PORT).toBe(3000);
  });

  it('names the variable and what it expects when a port is not a number', () => {
    const [problem] = problemsOf({ PORT: 'eighty' });
    expect(problem?.variable).toBe('PORT');
    expect(problem?.expected).toMatch(/number/i);
  });

  it('refuses a port out of range', () => {
    expect(problemsOf({ PORT: '70000' })[0]?.variable).toBe('PORT');
  });

  it('refuses URLs of the wrong kind, naming each variable', () => {
    const problems = problemsOf({
      PUBLIC_URL: 'ftp://x',
      REDIS_URL: 'http://localhost:6379',
      SMTP_URL: 'not a url',
      DATABASE_URL: 'mysql://db',
    });
    expect(problems.map((p) => p.variable).sort()).toEqual([
      'DATABASE_URL',
      'PUBLIC_URL',
      'REDIS_URL',
      'SMTP_URL',
    ]);
    expect(problems.find((p) => p.variable === 'REDIS_URL')?.expected).toMatch(/redis:\/\//);
  });

  it('takes a PostgreSQL DATABASE_URL with REDIS_URL: a cluster process, its local SQLite in DATA_DIR', () => {
    const config = loadConfig({
      DATA_DIR: '/tmp/desk-1',
      REDIS_URL: 'redis://127.0.0.1:6379',
      DATABASE_URL: 'postgres://db/desk',
    });
    expect(config.postgresUrl).toBe('postgres://db/desk');
    expect(config.sqlitePath).toBe('/tmp/desk-1/desk.sqlite');
    expect(config.REDIS_PREFIX).toBe('desk:');
    expect(loadConfig({}).postgresUrl).toBeNull();
  });

  it('refuses a PostgreSQL DATABASE_URL without REDIS_URL, and REDIS_URL on SQLite', () => {
    const withoutRedis = problemsOf({ DATABASE_URL: 'postgresql://db/desk' });
    expect(withoutRedis.map((p) => p.variable)).toEqual(['REDIS_URL']);
    expect(withoutRedis[0]?.expected).toMatch(/cluster process/);
    const onSqlite = problemsOf({ REDIS_URL: 'redis://127.0.0.1:6379' });
    expect(onSqlite.map((p) => p.variable)).toEqual(['DATABASE_URL']);
    expect(onSqlite[0]?.expected).toMatch(/postgres:\/\//);
  });

  it('refuses an unknown log level', () => {
    expect(problemsOf({ LOG_LEVEL: 'loud' })[0]?.variable).toBe('LOG_LEVEL');
  });

  it('resolves a sqlite DATABASE_URL relative to DATA_DIR', () => {
    const config = loadConfig({ DATA_DIR: '/tmp/desk', DATABASE_URL: 'sqlite:other.sqlite' });
    expect(config.sqlitePath).toBe('/tmp/desk/other.sqlite');
  });

  it('puts every problem in one message that points to the README', () => {
    try {
      loadConfig({ PORT: 'x', LOG_LEVEL: 'y' });
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toMatch(/PORT/);
      expect((err as Error).message).toMatch(/LOG_LEVEL/);
      expect((err as Error).message).toMatch(/README/);
    }
  });
});
