import { afterEach, beforeEach, expect, it } from 'vitest';
import type { DocHandle } from '@desk/client';
import { ErrorCode } from '@desk/protocol';
import { until } from '@desk/protocol/testing';
import { PgPool } from '../../../sync-server/src/store/postgres/PgPool.ts';
import { latestPgSchemaVersion } from '../../../sync-server/src/store/postgres/pgReadiness.ts';
import { signUp } from '../../../sync-server/src/testing/authTestServer.ts';
import { describeWithPostgresAndRedis } from '../../../sync-server/src/testing/scaleOutParts.ts';
import {
  acceptByRegistering,
  invite,
} from '../../../sync-server/src/testing/workspaceTestSupport.ts';
import { clusterProcesses, synced, type ClusterProcesses } from './clusterProcesses.ts';

// Two real server processes of a cluster (issue 19), as createServer builds them from a
// PostgreSQL DATABASE_URL and REDIS_URL (clusterProcesses.ts). People sign up, log in and
// accept invitations over HTTP; sync clients speak /sync (the web's SyncClient) to one
// process each.

interface ErrorResponse {
  error: { code: string };
}

await describeWithPostgresAndRedis(
  'two server processes (createServer) on one PostgreSQL and one Redis',
  { ownServer: false },
  () => {
    let cluster: ClusterProcesses;
    beforeEach(() => {
      cluster = clusterProcesses();
    });
    afterEach(() => cluster.close());

    const twoServers = () => cluster.twoServers();
    const logIn: ClusterProcesses['logIn'] = (server, email) => cluster.logIn(server, email);
    const syncClient: ClusterProcesses['syncClient'] = (server, client, workspaceId) =>
      cluster.syncClient(server, client, workspaceId);

    it('a client on each process edits one document: both converge, and each process reads it whole from the store', async () => {
      const { a, b } = await twoServers();
      // Ready when PostgreSQL answers with the schema this build expects.
      const ready = await a.client().get<{ status: string; schemaVersion: number }>('/readyz');
      expect(ready.body).toEqual({ status: 'ready', schemaVersion: latestPgSchemaVersion });
      const owner = await signUp(a);
      const onB = await logIn(b, owner.email);
      const docId = `${owner.workspaceId}:ticket:t1`;
      const onA = (await syncClient(a, owner.client, owner.workspaceId)).open(docId);
      const fromB = (await syncClient(b, onB, owner.workspaceId)).open(docId);
      await until(() => synced(onA) && synced(fromB), 'both subscribed');
      for (let i = 0; i < 10; i++) {
        onA.doc.getText('t').insert(0, `a${i} `);
        fromB.doc.getText('t').insert(0, `b${i} `);
      }
      const text = (handle: DocHandle) => handle.doc.getText('t').toString();
      await until(
        () => text(onA) === text(fromB) && text(onA).length === 2 * 10 * 3,
        'both replicas have every edit',
      );
      for (const server of [a, b]) {
        const stored = await server.server.sync.docs.storedParts(docId);
        expect(stored.length).toBeGreaterThan(0);
      }
      expect(await a.server.sync.docs.workspaceSeq(owner.workspaceId)).toBe(
        await b.server.sync.docs.workspaceSeq(owner.workspaceId),
      );
    });

    it('the seat race through the invitation routes of both processes lets exactly the limit in', async () => {
      const { a, b } = await twoServers();
      const owner = await signUp(a);
      // Six people, each signed up on one of the two processes.
      const people = [];
      for (let i = 0; i < 6; i++) people.push(await signUp(i % 2 === 0 ? a : b));
      const pool = new PgPool({ url: cluster.database!.url, max: 1 });
      const seatLimit = (n: number) =>
        pool.query('UPDATE subscriptions SET seat_limit_override = $1 WHERE workspace_id = $2', [
          n,
          owner.workspaceId,
        ]);
      try {
        // Room for every invitation first (open invitations count against the limit)…
        await seatLimit(10);
        const tokens: string[] = [];
        for (const person of people) {
          tokens.push((await invite(a, owner.client, owner.slug, person.email)).token);
        }
        // …then three seats, as a plan downgrade would leave: the owner holds one, so two of
        // the six get in.
        await seatLimit(3);
        const results = await Promise.all(
          people.map((person, i) =>
            person.client.post<ErrorResponse>('/api/invitations/accept', { token: tokens[i] }),
          ),
        );
        expect(results.map((r) => r.status).sort()).toEqual([200, 200, 409, 409, 409, 409]);
        for (const lost of results.filter((r) => r.status === 409)) {
          expect(lost.body.error.code).toBe(ErrorCode.seatLimitReached);
        }
        const { rows } = await pool.query<{ n: number }>(
          'SELECT COUNT(*)::int AS n FROM memberships WHERE workspace_id = $1',
          [owner.workspaceId],
        );
        expect(rows[0]!.n).toBe(3);
      } finally {
        await pool.end();
      }
    });

    it('ACCESS-1 a member removed on one process loses the document on the other at once', async () => {
      const { a, b } = await twoServers();
      const owner = await signUp(a);
      const email = `member-${Date.now().toString(36)}@example.com`;
      const { token } = await invite(a, owner.client, owner.slug, email);
      const joined = await acceptByRegistering(a, token, 'Mo Member');
      expect(joined.status, JSON.stringify(joined.body)).toBe(201);
      const memberOnB = await logIn(b, email);
      const me = await memberOnB.get<{ user: { id: string } }>('/api/auth/me');
      const docId = `${owner.workspaceId}:ticket:t1`;
      const handle = (await syncClient(b, memberOnB, owner.workspaceId)).open(docId);
      await until(() => synced(handle), 'the member is subscribed on B');
      const removed = await owner.client.delete(
        `/api/workspaces/${owner.slug}/members/${me.body.user.id}`,
      );
      expect(removed.status).toBeLessThan(300);
      await until(() => handle.status.kind === 'error', 'the subscription on B ended');
    });
  },
);
