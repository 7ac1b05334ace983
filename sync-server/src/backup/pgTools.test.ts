import { expect, it } from 'vitest';
import { createTestDatabase, describeWithPostgres } from '../testing/scaleOutParts.ts';
import { pgConnection, PgToolError, PgToolFailure, runPgTool } from './pgTools.ts';

const pgDumpPath = process.env.PG_DUMP_PATH ?? '/usr/bin/pg_dump';

it('passes the password in PGPASSWORD and keeps it out of the connection string given as an argument', () => {
  const connection = pgConnection(
    'postgres://desk:s%40cret%2Fpw@db.internal:6432/desk?sslmode=require',
  );
  expect(connection.dbname).toBe('postgres://desk@db.internal:6432/desk?sslmode=require');
  expect(connection.env).toEqual({ PGPASSWORD: 's@cret/pw' });
  expect(connection.secret).toBe('s@cret/pw');
});

it('sets no PGPASSWORD when the URL has none, so ~/.pgpass or the environment still apply', () => {
  const connection = pgConnection('postgres://postgres@127.0.0.1:5432/test');
  expect(connection.dbname).toBe('postgres://postgres@127.0.0.1:5432/test');
  expect(connection.env).toEqual({});
});

it('reports a program that is not there as pg_tool_missing', async () => {
  const failure = await runPgTool({
    tool: 'pg_dump',
    path: '/nonexistent/bin/pg_dump',
    args: ['--version'],
    connection: pgConnection('postgres://postgres@127.0.0.1:5432/test'),
  }).catch((err: unknown) => err);
  expect(failure).toBeInstanceOf(PgToolError);
  expect(failure).toMatchObject({ code: PgToolFailure.missing, tool: 'pg_dump' });
  expect((failure as Error).message).toMatch(/PG_DUMP_PATH/);
});

await describeWithPostgres('pg_dump runs', () => {
  it('reports a failed dump as pg_tool_failed with what pg_dump said, never the password', async () => {
    const database = await createTestDatabase();
    try {
      const url = new URL(database.url);
      url.username = 'nobody_here';
      url.password = 'the-password';
      const connection = pgConnection(url.toString());
      const failure = await runPgTool({
        tool: 'pg_dump',
        path: pgDumpPath,
        args: [
          '--format=custom',
          '--no-password',
          '--file=/dev/null',
          `--dbname=${connection.dbname}`,
        ],
        connection,
      }).catch((err: unknown) => err);
      expect(failure).toMatchObject({ code: PgToolFailure.failed, tool: 'pg_dump' });
      expect((failure as PgToolError).detail).toMatch(/nobody_here/);
      expect((failure as PgToolError).message).not.toContain('the-password');
    } finally {
      await database.drop();
    }
  });
});
