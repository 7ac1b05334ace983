import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CloseCode, DocAccess, DocErrorCode, MessageType } from '@desk/protocol';
import {
  signUp,
  startAuthTestServer,
  TEST_PUBLIC_URL,
  type AuthTestServer,
  type TestClient,
} from '../../../sync-server/src/testing/authTestServer.ts';
import { TrialSweeper } from '../../../sync-server/src/billing/TrialSweeper.ts';
import { SESSION_COOKIE } from '../../../sync-server/src/identity/sessionCookie.ts';
import { addMember, loginOperator } from '../../../sync-server/src/testing/workspaceTestSupport.ts';
import { TestSyncClient } from '../../support/sync/TestSyncClient.ts';

/**
 * Workspace access changes made through the real routes reach a member's live socket at
 * once: removal ends the subscriptions (`access_revoked`), an operator's suspension of the
 * workspace makes them read-only and refuses writes with a typed code, and an operator's
 * suspension of the user closes the socket.
 */
let t: AuthTestServer;
let operator: TestClient;
const sockets: TestSyncClient[] = [];
beforeAll(async () => {
  t = await startAuthTestServer();
  operator = (await loginOperator(t)).client;
});
afterAll(async () => {
  for (const socket of sockets) socket.ws.terminate();
  await t.close();
});

/** The stored text of a doc's `t` field. */
async function storedText(docId: string): Promise<string> {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, await t.server.sync.readDocState(docId));
  return doc.getText('t').toString();
}

async function connectAs(client: TestClient): Promise<TestSyncClient> {
  const socket = await TestSyncClient.connect(t.server.url, {
    cookie: `${SESSION_COOKIE}=${client.sessionToken ?? ''}`,
    origin: TEST_PUBLIC_URL,
  });
  sockets.push(socket);
  return socket;
}

describe('access changes on live sockets', () => {
  it('removing a member ends their subscriptions to the workspace with access_revoked', async () => {
    const owner = await signUp(t);
    const member = await addMember(t, owner.client, owner.slug, 'live-removed@example.com');
    const socket = await connectAs(member.client);
    const docId = `${owner.workspaceId}:index`;
    socket.subscribe(docId);
    await socket.synced(docId);

    const res = await owner.client.delete(`/api/workspaces/${owner.slug}/members/${member.userId}`);
    expect(res.status).toBe(200);
    const ended = await socket.waitFor((m) => m.type === MessageType.docError);
    expect(ended).toMatchObject({ docId, code: DocErrorCode.accessRevoked });
  });

  it('an operator suspending the workspace makes live subscriptions read-only; reactivating restores writes', async () => {
    const owner = await signUp(t);
    const socket = await connectAs(owner.client);
    const docId = `${owner.workspaceId}:index`;
    const doc = socket.subscribe(docId);
    await socket.synced(docId);

    const from = socket.messages.length;
    await operator.post(`/api/operator/workspaces/${owner.workspaceId}/state`, {
      state: 'suspended',
    });
    // Downgraded on the spot: read access, and the reason as a typed code.
    await socket.waitFor(
      (m) => m.type === MessageType.docError && m.code === DocErrorCode.workspaceReadOnly,
      from,
    );
    expect(socket.messages.slice(from)).toContainEqual(
      expect.objectContaining({ type: MessageType.subscribed, docId, access: DocAccess.read }),
    );
    const beforeWrite = socket.messages.length;
    doc.getText('t').insert(0, 'refused');
    const refusal = await socket.waitFor((m) => m.type === MessageType.docError, beforeWrite);
    expect(refusal).toMatchObject({ docId, code: DocErrorCode.workspaceReadOnly });
    expect(await storedText(docId)).toBe('');

    const beforeReactivation = socket.messages.length;
    await operator.post(`/api/operator/workspaces/${owner.workspaceId}/state`, { state: 'active' });
    await socket.waitFor(
      (m) => m.type === MessageType.subscribed && m.access === DocAccess.write,
      beforeReactivation,
    );
  });

  it('an operator suspending a user closes their sockets', async () => {
    const owner = await signUp(t);
    const socket = await connectAs(owner.client);
    socket.subscribe(`${owner.workspaceId}:index`);
    await socket.synced(`${owner.workspaceId}:index`);
    await operator.post(`/api/operator/users/${owner.userId}/suspend`, {});
    expect((await socket.closed).code).toBe(CloseCode.sessionRevoked);
  });

  it('a trial running out makes live subscriptions read-only as soon as the sweeper records it', async () => {
    const owner = await signUp(t);
    const socket = await connectAs(owner.client);
    const docId = `${owner.workspaceId}:index`;
    socket.subscribe(docId);
    await socket.synced(docId);
    const from = socket.messages.length;
    t.clock.advance(14 * 24 * 60 * 60 * 1000);
    expect(await new TrialSweeper(t.server.services).sweep()).toContain(owner.workspaceId);
    const downgrade = await socket.waitFor((m) => m.type === MessageType.docError, from);
    expect(downgrade).toMatchObject({ docId, code: DocErrorCode.workspaceReadOnly });
  });
});
