import { afterEach, beforeEach, expect, it } from 'vitest';
import * as Y from 'yjs';
import { TicketDoc } from '@desk/model';
import {
  CloseCode,
  contentDisabledWords,
  DocErrorCode,
  ErrorCode,
  MessageType,
  type DisabledItemsMessage,
  type RestoreResponse,
  type SnapshotContentsResponse,
  type SnapshotSummary,
} from '@desk/protocol';
import { until } from '@desk/protocol/testing';
import { TestSyncClient } from '../../support/sync/TestSyncClient.ts';
import { SESSION_COOKIE } from '../../../sync-server/src/identity/sessionCookie.ts';
import {
  signUp,
  type AuthTestServer,
  type TestClient,
} from '../../../sync-server/src/testing/authTestServer.ts';
import {
  decide,
  report,
  seedWorkspace,
  type SeededWorkspace,
} from '../../../sync-server/src/testing/moderationTestSupport.ts';
import { describeWithPostgresAndRedis } from '../../../sync-server/src/testing/scaleOutParts.ts';
import { addMember, loginOperator } from '../../../sync-server/src/testing/workspaceTestSupport.ts';
import { clusterProcesses, type ClusterProcesses } from './clusterProcesses.ts';

// Terms §4 moderation and §2 suspension on a cluster (issue 19): an operator's decision on
// one process holds on every other at once — the sync engine's disabled sets follow
// `moderationChanged` over the access bus, REST views and restores read the shared database,
// and a suspension closes the account's sockets wherever they are.

/** The body of a ticket's comment in a Yjs state. */
function commentBody(state: Uint8Array, commentId: string): string | undefined {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, state);
  const body = new TicketDoc(doc).getComment(commentId)?.body;
  doc.destroy();
  return body;
}

await describeWithPostgresAndRedis(
  'moderation and suspension on two server processes (createServer) on one PostgreSQL and one Redis',
  { ownServer: false },
  () => {
    let cluster: ClusterProcesses;
    const sockets: TestSyncClient[] = [];
    beforeEach(() => {
      cluster = clusterProcesses();
    });
    afterEach(async () => {
      await Promise.all(sockets.splice(0).map((s) => s.close()));
      await cluster.close();
    });

    /** A /sync socket of `client`'s browser session on `server`. */
    const connect = async (server: AuthTestServer, client: TestClient) => {
      const socket = await TestSyncClient.connect(server.server.url, {
        origin: client.origin,
        cookie: `${SESSION_COOKIE}=${client.sessionToken}`,
      });
      sockets.push(socket);
      return socket;
    };

    /** The subscription's answer: `subscribed`, or the docError's code and message. */
    const answerTo = async (socket: TestSyncClient, docId: string) => {
      const from = socket.messages.length;
      socket.subscribe(docId);
      const answer = await socket.waitFor(
        (m) =>
          (m.type === MessageType.subscribed || m.type === MessageType.docError) &&
          m.docId === docId,
        from,
      );
      return answer.type === MessageType.docError
        ? { code: answer.code, message: answer.message }
        : { code: 'subscribed' as const };
    };

    /** Waits for the socket to be told the workspace's list (after `from`); its item keys. */
    const listAfter = async (socket: TestSyncClient, from: number) => {
      const told = (await socket.waitFor(
        (m) => m.type === MessageType.disabledItems,
        from,
      )) as DisabledItemsMessage;
      return told.items.map((item) => item.itemKey);
    };

    /**
     * Processes A and B; an owner who seeded a workspace through A, an agent of it logged in
     * on both, and the operator logged in on both.
     */
    const setup = async (options: { moderationCheckMs?: number } = {}) => {
      const a = await cluster.start(options);
      const b = await cluster.start(options);
      const owner = await signUp(a);
      const seeded: SeededWorkspace = await seedWorkspace(a, owner);
      const agentEmail = `agent-${owner.slug}@example.com`;
      const agent = await addMember(a, owner.client, owner.slug, agentEmail, 'agent');
      const agentOnB = await cluster.logIn(b, agentEmail);
      const operator = await loginOperator(a);
      const operatorUser = await a.server.services.control.users.byId(operator.userId);
      const operatorOnB = await cluster.logIn(b, operatorUser!.email);
      return { a, b, owner, seeded, agent, agentOnB, operator, operatorOnB };
    };

    it('MOD-7: a comment disabled on A refuses the agent’s write through B (content_disabled); re-enabled on B, A accepts it', async () => {
      const { a, b, owner, seeded, agent, agentOnB, operator, operatorOnB } = await setup();
      const docId = seeded.ticketDoc;
      // Subscribed on both processes before the decision: their rooms and sets are loaded.
      const onB = await connect(b, agentOnB);
      const docOnB = onB.subscribe(docId);
      await onB.synced(docId);
      const onA = await connect(a, agent.client);
      onA.subscribe(docId);
      await onA.synced(docId);

      const caseId = (
        await report(agent.client, owner.slug, {
          kind: 'comment',
          docId,
          itemId: seeded.commentId,
        })
      ).body.report.caseId;
      const heardOnB = onB.messages.length;
      await decide(operator.client, caseId, 'disable', 'Insult');
      // B hears A's decision over the access bus: its socket is told the new list…
      expect(await listAfter(onB, heardOnB)).toEqual([`doc:${docId}#${seeded.commentId}`]);

      // …and its sync engine refuses a write into the comment, with the code the UI shows.
      const wroteOnB = onB.messages.length;
      docOnB.getMap<Y.Map<unknown>>('comments').get(seeded.commentId)!.set('body', 'my words');
      const refusal = await onB.waitFor(
        (m) => m.type === MessageType.docError && m.docId === docId,
        wroteOnB,
      );
      expect(refusal).toMatchObject({ code: DocErrorCode.contentDisabled });
      expect(commentBody(await a.server.sync.readDocState(docId), seeded.commentId)).toBe(
        'Insulting words here',
      );

      // Re-enabled on B: A hears it (its socket is told the empty list) and takes the write.
      const heardOnA = onA.messages.length;
      await decide(operatorOnB, caseId, 'enable', 'Reviewed: no violation');
      expect(await listAfter(onA, heardOnA)).toEqual([]);
      const writer = await connect(a, agent.client);
      const docOnA = writer.subscribe(docId);
      await writer.synced(docId);
      docOnA.getMap<Y.Map<unknown>>('comments').get(seeded.commentId)!.set('body', 'Kind words');
      await writer.allAcked(docId);
      expect(
        writer.messages.some((m) => m.type === MessageType.docError && m.docId === docId),
      ).toBe(false);
      // Stored (every process reads it from the shared store; B's room follows the bus).
      await until(
        async () =>
          commentBody(await b.server.sync.readDocState(docId), seeded.commentId) === 'Kind words',
        'the write taken on A read on B',
      );
    });

    it('MOD-7: a decision committed on A whose event was never published reaches B’s socket by the decision counts, and B refuses the write', async () => {
      // B compares the counts often here (a running cluster: every few seconds).
      const { a, b, owner, seeded, agent, agentOnB, operator } = await setup({
        moderationCheckMs: 50,
      });
      const docId = seeded.ticketDoc;
      const onB = await connect(b, agentOnB);
      const docOnB = onB.subscribe(docId);
      await onB.synced(docId);
      const caseId = (
        await report(agent.client, owner.slug, {
          kind: 'comment',
          docId,
          itemId: seeded.commentId,
        })
      ).body.report.caseId;

      // A commits the decision and dies before publishing it: the store's decision alone,
      // without the service that emits `moderationChanged` for the access bus.
      const heardOnB = onB.messages.length;
      await a.server.services.control.moderation.decide(
        caseId,
        'disabled',
        'Insult',
        operator.userId,
      );
      expect(await listAfter(onB, heardOnB)).toEqual([`doc:${docId}#${seeded.commentId}`]);

      const wroteOnB = onB.messages.length;
      docOnB.getMap<Y.Map<unknown>>('comments').get(seeded.commentId)!.set('body', 'my words');
      const refusal = await onB.waitFor(
        (m) => m.type === MessageType.docError && m.docId === docId,
        wroteOnB,
      );
      expect(refusal).toMatchObject({ code: DocErrorCode.contentDisabled });
      expect(commentBody(await b.server.sync.readDocState(docId), seeded.commentId)).toBe(
        'Insulting words here',
      );
    });

    it('MOD-4: a ticket disabled on A ends its subscription on B and B refuses to subscribe it; re-enabled on B, A serves it again', async () => {
      const { a, b, owner, seeded, agent, agentOnB, operator, operatorOnB } = await setup();
      const docId = seeded.ticketDoc;
      const onB = await connect(b, agentOnB);
      expect(await answerTo(onB, docId)).toEqual({ code: 'subscribed' });
      await onB.synced(docId);
      const onA = await connect(a, agent.client);
      expect(await answerTo(onA, seeded.otherTicketDoc)).toEqual({ code: 'subscribed' });

      const caseId = (await report(agent.client, owner.slug, { kind: 'ticket', docId })).body.report
        .caseId;
      const from = onB.messages.length;
      await decide(operator.client, caseId, 'disable', 'Harassment of a customer');
      const ended = await onB.waitFor(
        (m) => m.type === MessageType.docError && m.docId === docId,
        from,
      );
      expect(ended).toMatchObject({
        code: DocErrorCode.contentDisabled,
        message: 'Harassment of a customer',
      });
      expect(await answerTo(await connect(b, agentOnB), docId)).toEqual({
        code: DocErrorCode.contentDisabled,
        message: 'Harassment of a customer',
      });

      const heardOnA = onA.messages.length;
      await decide(operatorOnB, caseId, 'enable', 'Cleared');
      expect(await listAfter(onA, heardOnA)).toEqual([]);
      expect(await answerTo(await connect(a, agent.client), docId)).toEqual({
        code: 'subscribed',
      });
    });

    it('a user suspended on A has their socket on B closed (4402), and B refuses their session and a new socket', async () => {
      const { b, seeded, agent, agentOnB, operator, operatorOnB } = await setup();
      const onB = await connect(b, agentOnB);
      expect(await answerTo(onB, seeded.otherTicketDoc)).toEqual({ code: 'subscribed' });

      const res = await operator.client.post(`/api/operator/users/${agent.userId}/suspend`, {
        note: 'Dispute over the account',
      });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect((await onB.closed).code).toBe(CloseCode.sessionRevoked);

      const me = await agentOnB.get('/api/auth/me');
      expect(me.status).toBe(403);
      expect(me.body).toMatchObject({ error: { code: ErrorCode.accountSuspended } });
      const again = await connect(b, agentOnB);
      expect((await again.closed).code).toBe(CloseCode.unauthenticated);

      // Reinstated on B: the same session works on A again (suspension deletes nothing).
      const back = await operatorOnB.post(`/api/operator/users/${agent.userId}/reinstate`, {});
      expect(back.status, JSON.stringify(back.body)).toBe(200);
      expect((await agent.client.get('/api/auth/me')).status).toBe(200);
    });

    it('MOD-4 MOD-6: a snapshot restored and browsed on B honours a ticket disabled on A', async () => {
      const { a, b, owner, seeded, agent, operator } = await setup();
      const docId = seeded.ticketDoc;
      const ownerOnB = await cluster.logIn(b, owner.email);
      const captured = await owner.client.post<{ snapshot: SnapshotSummary }>(
        `/api/workspaces/${owner.slug}/snapshots`,
        {},
      );
      expect(captured.status, JSON.stringify(captured.body)).toBe(201);
      const snapshotId = captured.body.snapshot.id;

      // Written after the capture: a restore of the snapshot would take it away.
      const writer = await connect(a, agent.client);
      const doc = writer.subscribe(docId);
      await writer.synced(docId);
      doc.getMap<Y.Map<unknown>>('comments').get(seeded.commentId)!.set('body', 'Edited later');
      await writer.allAcked(docId);
      // B has read the workspace's set before the decision (a subscribe there loads it).
      const onB = await connect(b, ownerOnB);
      expect(await answerTo(onB, docId)).toEqual({ code: 'subscribed' });

      const caseId = (await report(agent.client, owner.slug, { kind: 'ticket', docId })).body.report
        .caseId;
      await decide(operator.client, caseId, 'disable', 'Under review');

      // Browsed on B: the disabled ticket's title is the operator's words, its view a 451.
      const contents = await ownerOnB.get<SnapshotContentsResponse>(
        `/api/workspaces/${owner.slug}/snapshots/${snapshotId}`,
      );
      expect(contents.status, JSON.stringify(contents.body)).toBe(200);
      const row = contents.body.tickets.find((t) => t.id === seeded.ticketId);
      expect(row?.title).toBe(contentDisabledWords('Under review'));
      const view = await ownerOnB.get(
        `/api/workspaces/${owner.slug}/snapshots/${snapshotId}/tickets/${seeded.ticketId}`,
      );
      expect(view.status).toBe(451);
      expect(view.body).toMatchObject({ error: { code: ErrorCode.contentDisabled } });

      // Restored on B: the ticket alone, refused; the whole workspace, the ticket left as is.
      const ticketOnly = await ownerOnB.post(
        `/api/workspaces/${owner.slug}/snapshots/${snapshotId}/restore`,
        { scope: 'ticket', ticketId: seeded.ticketId },
      );
      expect(ticketOnly.status).toBe(451);
      const before = await a.server.sync.readDocState(docId);
      const restored = await ownerOnB.post<RestoreResponse>(
        `/api/workspaces/${owner.slug}/snapshots/${snapshotId}/restore`,
        { scope: 'workspace' },
      );
      expect(restored.status, JSON.stringify(restored.body)).toBe(200);
      const after = await b.server.sync.readDocState(docId);
      expect(commentBody(after, seeded.commentId)).toBe('Edited later');
      expect(Buffer.from(Y.encodeStateVectorFromUpdate(after))).toEqual(
        Buffer.from(Y.encodeStateVectorFromUpdate(before)),
      );
    });
  },
);
