import { spawnSync } from 'node:child_process';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '@desk/protocol';
import { TestClient, STRONG_PASSWORD } from '../../../sync-server/src/testing/authTestServer.ts';
import { tokenFromOutbox } from '../../support/outbox.ts';
import { startServerProcess, type ServerProcess } from '../../support/serverProcess.ts';
import { makeTempDir } from '../../support/tempDir.ts';

/**
 * The seat limit holds under truly concurrent acceptances: two server processes on one
 * SQLite database, invitations accepted through both at the same moment with one seat
 * left. Exactly one person gets the seat; everyone else gets `seat_limit_reached` and no
 * account is left half-created. The operator is created with the real CLI command.
 */
const PUBLIC_URL = 'http://desk.test';
const repoRoot = path.resolve(import.meta.dirname, '../../..');
const INVITEES = 12;

type Json = { error?: { code: string; message: string } } & Record<string, unknown>;

describe('the seat race', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let servers: ServerProcess[] = [];
  beforeEach(() => {
    temp = makeTempDir();
  });
  afterEach(async () => {
    for (const server of servers) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    servers = [];
    temp.remove();
  });

  it('with one seat left and many simultaneous acceptances through two processes, exactly one succeeds', async () => {
    const env = { DATA_DIR: temp.dir, PUBLIC_URL };
    const first = await startServerProcess(env);
    servers.push(first);
    // The second process opens the database the first has already migrated.
    const second = await startServerProcess(env);
    servers.push(second);

    // The first operator, exactly as the README says: `pnpm operator create-operator …`.
    const cli = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'sync-server/src/cli/main.ts',
        'create-operator',
        '--email',
        'ops@example.com',
        '--name',
        'Ops',
      ],
      {
        cwd: repoRoot,
        env: {
          PATH: process.env.PATH ?? '',
          DATA_DIR: temp.dir,
          OPERATOR_PASSWORD: STRONG_PASSWORD,
        },
        encoding: 'utf8',
      },
    );
    expect(cli.stderr).toBe('');
    expect(cli.stdout).toMatch(/Created operator account: ops@example.com/);
    expect(cli.status).toBe(0);

    const owner = new TestClient(first.url, PUBLIC_URL);
    const requested = await owner.post('/api/auth/signup', {
      email: 'owner@example.com',
      password: STRONG_PASSWORD,
      displayName: 'Olga Owner',
      customer: { kind: 'organization', name: 'Race Inc' },
      workspace: { name: 'Race', slug: 'race' },
      acceptTerms: true,
    });
    expect(requested.status).toBe(202);
    const signup = await owner.post<{ workspaces: { id: string; slug: string }[] }>(
      '/api/auth/signup/confirm',
      { token: tokenFromOutbox(temp.dir, 'owner@example.com', '/signup/confirm') },
    );
    expect(signup.status).toBe(201);
    const workspaceId = signup.body.workspaces[0]?.id ?? '';

    const operator = new TestClient(second.url, PUBLIC_URL);
    expect(
      (
        await operator.post('/api/auth/login', {
          email: 'ops@example.com',
          password: STRONG_PASSWORD,
        })
      ).status,
    ).toBe(200);
    // The CLI's account accepts the terms before anything else (issue 16).
    expect((await operator.post('/api/auth/terms', { version: '1' })).status).toBe(200);
    const setSeats = (seatLimit: number) =>
      operator.patch(`/api/operator/workspaces/${workspaceId}/subscription`, { seatLimit });

    // Room for every invitation, then the limit is lowered to the owner plus one seat.
    expect((await setSeats(INVITEES + 1)).status).toBe(200);
    for (let i = 0; i < INVITEES; i++) {
      const res = await owner.post('/api/workspaces/race/invitations', {
        email: `racer${i}@example.com`,
        role: 'agent',
      });
      expect(res.status).toBe(201);
    }
    expect((await setSeats(2)).status).toBe(200);

    const db = new BetterSqlite3(path.join(temp.dir, 'desk.sqlite'), { readonly: true });
    const tokens = Array.from({ length: INVITEES }, (_, i) =>
      tokenFromOutbox(temp.dir, `racer${i}@example.com`, '/invite'),
    );

    // All at once, alternating between the two processes.
    const results = await Promise.all(
      tokens.map((token, i) =>
        new TestClient((i % 2 ? second : first).url, PUBLIC_URL).post<Json>(
          '/api/invitations/accept',
          {
            token,
            displayName: `Racer ${i}`,
            password: STRONG_PASSWORD,
            acceptTerms: true,
          },
        ),
      ),
    );
    const won = results.filter((r) => r.status === 201);
    const lost = results.filter((r) => r.status !== 201);
    expect(won).toHaveLength(1);
    expect(lost.map((r) => [r.status, r.body.error?.code])).toEqual(
      Array(INVITEES - 1).fill([409, ErrorCode.seatLimitReached]),
    );
    expect(lost[0]?.body.error?.message).toMatch(/owner/);

    const count = (sql: string) => (db.prepare(sql).get(workspaceId) as { n: number }).n;
    expect(count('SELECT COUNT(*) AS n FROM memberships WHERE workspace_id = ?')).toBe(2);
    // A refused acceptance leaves no account behind.
    expect(
      (
        db.prepare(`SELECT COUNT(*) AS n FROM users WHERE email LIKE 'racer%'`).get() as {
          n: number;
        }
      ).n,
    ).toBe(1);
    expect(
      count(`SELECT COUNT(*) AS n FROM seat_ledger WHERE workspace_id = ? AND event = 'joined'`),
    ).toBe(2);
    db.close();
  });
});
