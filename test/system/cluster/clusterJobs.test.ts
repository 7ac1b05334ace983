import { afterEach, beforeEach, expect, it } from 'vitest';
import { CloseCode, DocErrorCode, ErrorCode, MessageType } from '@desk/protocol';
import { until } from '@desk/protocol/testing';
import { SESSION_COOKIE } from '../../../sync-server/src/identity/sessionCookie.ts';
import {
  signUp,
  TEST_PUBLIC_URL,
  type AuthTestServer,
  type TestClient,
} from '../../../sync-server/src/testing/authTestServer.ts';
import { describeWithPostgresAndRedis } from '../../../sync-server/src/testing/scaleOutParts.ts';
import { loginOperator } from '../../../sync-server/src/testing/workspaceTestSupport.ts';
import { TestSyncClient } from '../../support/sync/TestSyncClient.ts';
import { clusterProcesses, type ClusterProcesses } from './clusterProcesses.ts';

// Timers and background jobs on a cluster (issue 19): what one process schedules or leaves
// is done by another, once — support grant expiries, terms dates, announcement and terms
// mail, the trial sweep — and subscription changes made on one process hold on the other.
// The process that stands in for "another process" polls every POLL_MS; the one that
// schedules keeps the running default (a minute), so within a test it never polls.

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const POLL_MS = 100;

interface ErrorResponse {
  error: { code: string };
}

await describeWithPostgresAndRedis(
  'timers and jobs on two server processes (createServer) on one PostgreSQL and one Redis',
  { ownServer: false },
  () => {
    let cluster: ClusterProcesses;
    const sockets: TestSyncClient[] = [];
    beforeEach(() => {
      cluster = clusterProcesses();
    });
    afterEach(async () => {
      for (const socket of sockets.splice(0)) socket.ws.terminate();
      await cluster.close();
    });

    /** A scheduling process A (polls once a minute) and a polling process B. */
    const twoProcesses = async () => ({
      a: await cluster.start(),
      b: await cluster.start({ clusterPollMs: POLL_MS }),
    });

    /** A /sync socket with `client`'s session on `server`, subscribed to `docId`. */
    const subscribed = async (server: AuthTestServer, client: TestClient, docId: string) => {
      const socket = await TestSyncClient.connect(server.server.url, {
        origin: TEST_PUBLIC_URL,
        cookie: `${SESSION_COOKIE}=${client.sessionToken ?? ''}`,
      });
      sockets.push(socket);
      socket.subscribe(docId);
      await socket.synced(docId);
      return socket;
    };

    const auditCount = async (workspaceId: string, action: string) =>
      (
        await cluster.query<{ n: number }>(
          'SELECT COUNT(*)::int AS n FROM audit_log WHERE workspace_id = $1 AND action = $2',
          [workspaceId, action],
        )
      )[0]!.n;

    /** How many copies of mail whose subject ends with `subject` each address got. */
    const copiesByAddress = async (subject: string) =>
      new Map(
        (
          await cluster.query<{ address: string; n: number }>(
            `SELECT to_address AS address, COUNT(*)::int AS n FROM mail_outbox
              WHERE subject LIKE $1 GROUP BY to_address`,
            [`%${subject}`],
          )
        ).map((r) => [r.address, r.n]),
      );

    it('a support grant made on A runs out after A stopped: B expires it once and the operator’s live socket on B loses the workspace', async () => {
      const { a, b } = await twoProcesses();
      const owner = await signUp(a);
      const operator = await loginOperator(b);
      const made = await owner.client.post<{ grant: { id: string; expiresAt: number } }>(
        `/api/workspaces/${owner.slug}/support-grants`,
        { reason: 'Sync problem', durationMs: HOUR },
      );
      expect(made.status, JSON.stringify(made.body)).toBe(201);
      const docId = `${owner.workspaceId}:index`;
      const socket = await subscribed(b, operator.client, docId);
      const from = socket.messages.length;
      // Only A's timer knew of the grant; A goes away before it runs out.
      await cluster.stop(a);
      b.clock.advance(HOUR);

      // B's timer, reading the next expiry again, expires it: the socket loses the workspace.
      await socket.waitFor(
        (m) =>
          m.type === MessageType.docError &&
          m.docId === docId &&
          m.code === DocErrorCode.accessRevoked,
        from,
      );
      expect(await auditCount(owner.workspaceId, 'support_grant.expired')).toBe(1);
    });

    it('two processes checking one expiry at once record it once', async () => {
      const { a, b } = await twoProcesses();
      const owner = await signUp(a);
      const made = await owner.client.post(`/api/workspaces/${owner.slug}/support-grants`, {
        reason: 'Sync problem',
        durationMs: HOUR,
      });
      expect(made.status, JSON.stringify(made.body)).toBe(201);
      a.clock.advance(HOUR);
      b.clock.advance(HOUR);
      // The checks at start and after a grant run outside the job lease, on every process.
      const noticed = await Promise.all([
        a.server.services.support.expireDue(),
        b.server.services.support.expireDue(),
      ]);
      expect(noticed.flat()).toHaveLength(1);
      expect(await auditCount(owner.workspaceId, 'support_grant.expired')).toBe(1);
    });

    it('terms published on A with a later date come into force on B after A stopped: B closes the sockets of users who have not accepted', async () => {
      const { a, b } = await twoProcesses();
      const owner = await signUp(a);
      const ownerOnB = await cluster.logIn(b, owner.email);
      const socket = await subscribed(b, ownerOnB, `${owner.workspaceId}:index`);
      const operator = await loginOperator(a);
      const published = await operator.client.post('/api/operator/terms', {
        text: 'The new terms, in full.',
        changes: 'Section 3 now names our processors.',
        effectiveAt: a.clock.now + DAY,
      });
      expect(published.status, JSON.stringify(published.body)).toBe(201);
      await a.server.services.termsAnnouncer.idle();
      await cluster.stop(a);
      b.clock.advance(DAY);

      expect((await socket.closed).code).toBe(CloseCode.termsNotAccepted);
    });

    it('an announcement and a terms announcement kicked on both processes are mailed once to each person', async () => {
      const a = await cluster.start();
      const b = await cluster.start();
      const people = [await signUp(a), await signUp(b), await signUp(a)];
      const operator = await loginOperator(a);
      const subject = `News ${Date.now().toString(36)}`;

      const [terms, announcement] = await Promise.all([
        operator.client.post('/api/operator/terms', {
          text: 'The new terms, in full.',
          changes: 'Section 3 now names our processors.',
          effectiveAt: a.clock.now + DAY,
        }),
        operator.client.post<{ id: string }>('/api/operator/announcements', {
          subject,
          text: 'News.',
          audience: 'all',
        }),
      ]);
      expect(terms.status, JSON.stringify(terms.body)).toBe(201);
      expect(announcement.status, JSON.stringify(announcement.body)).toBe(201);
      // A was kicked by the requests; B as if it had answered them too.
      b.server.services.termsAnnouncer.kick();
      b.server.services.announcementSender.kick();
      for (const server of [a, b]) {
        await server.server.services.termsAnnouncer.idle();
        await server.server.services.announcementSender.idle();
      }

      for (const mail of [subject, 'Our terms of service are changing']) {
        const copies = await copiesByAddress(mail);
        for (const person of people) expect(copies.get(person.email), mail).toBe(1);
        expect(
          [...copies.values()].every((n) => n === 1),
          mail,
        ).toBe(true);
      }
    });

    it('an announcement its process left unsent (stopped, nobody kicks) is sent by the other process, once to each person', async () => {
      const { a, b } = await twoProcesses();
      const people = [await signUp(a), await signUp(b)];
      const subject = `Left behind ${Date.now().toString(36)}`;
      // Kept on A and never kicked there: A stops as if it had been cut before sending.
      const { id } = await a.server.services.control.announcements.create({
        subject,
        text: 'News.',
        audience: 'all',
        createdBy: people[0]!.userId,
      });
      await cluster.stop(a);

      await until(
        async () => (await b.server.services.control.announcements.get(id))?.finishedAt != null,
        'the announcement delivered by B',
      );
      const copies = await copiesByAddress(subject);
      for (const person of people) expect(copies.get(person.email)).toBe(1);
    });

    it('a trial running out is recorded once when both processes sweep at once', async () => {
      const a = await cluster.start();
      const b = await cluster.start();
      const owner = await signUp(a);
      a.clock.advance(15 * DAY);
      b.clock.advance(15 * DAY);

      const swept = await Promise.all([
        a.server.services.trialSweeper.sweep(),
        b.server.services.trialSweeper.sweep(),
      ]);

      expect(swept.flat().filter((id) => id === owner.workspaceId)).toHaveLength(1);
      expect(await auditCount(owner.workspaceId, 'subscription.state_changed')).toBe(1);
    });

    it('a seat limit and a suspension set on A hold on B at once: its invitation refused, its live socket read-only', async () => {
      const a = await cluster.start();
      const b = await cluster.start();
      const owner = await signUp(a);
      const ownerOnB = await cluster.logIn(b, owner.email);
      const operator = await loginOperator(a);
      const socket = await subscribed(b, ownerOnB, `${owner.workspaceId}:index`);

      const limited = await operator.client.patch(
        `/api/operator/workspaces/${owner.workspaceId}/subscription`,
        { seatLimit: 1 },
      );
      expect(limited.status, JSON.stringify(limited.body)).toBe(200);
      const invited = await ownerOnB.post<ErrorResponse>(
        `/api/workspaces/${owner.slug}/invitations`,
        { email: `seat-${Date.now().toString(36)}@example.com`, role: 'agent' },
      );
      expect(invited.status, JSON.stringify(invited.body)).toBe(409);
      expect(invited.body.error.code).toBe(ErrorCode.seatLimitReached);

      const from = socket.messages.length;
      const suspended = await operator.client.post(
        `/api/operator/workspaces/${owner.workspaceId}/state`,
        { state: 'suspended' },
      );
      expect(suspended.status, JSON.stringify(suspended.body)).toBe(200);
      await socket.waitFor(
        (m) => m.type === MessageType.docError && m.code === DocErrorCode.workspaceReadOnly,
        from,
      );
    });
  },
);
