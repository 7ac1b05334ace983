import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  indexDocId,
  indexHeadDocId,
  rewriteIndex,
  setHeadGeneration,
  WorkspaceIndex,
} from '@desk/model';
import { signUp, startAuthTestServer, type AuthTestServer } from '../testing/authTestServer.ts';
import { seedWorkspace } from '../testing/moderationTestSupport.ts';

let t: AuthTestServer;
beforeAll(async () => {
  t = await startAuthTestServer({ SNAPSHOT_INTERVAL_MINUTES: '0', BACKUP_INTERVAL_HOURS: '0' });
});
afterAll(() => t.close());

describe('a reported ticket in a workspace whose index was rewritten (IDX-GEN)', () => {
  it('shows the operator the row of the newest generation, not of the one it replaced', async () => {
    const owner = await signUp(t);
    const seed = await seedWorkspace(t, owner);
    const ws = owner.workspaceId;
    // What the server's rewriter does (IDX-GEN-1): generation 2, g pointed at it, the head.
    const g1 = new Y.Doc();
    Y.applyUpdate(g1, await t.server.sync.readDocState(indexDocId(ws, 1)));
    const { nextState, markReplaced } = rewriteIndex(g1);
    await t.server.sync.applyServerUpdate(indexDocId(ws, 2), nextState);
    await t.server.sync.applyServerUpdate(indexDocId(ws, 1), markReplaced);
    await t.server.sync.applyServerUpdate(indexHeadDocId(ws), setHeadGeneration(new Y.Doc(), 2));
    // Renamed after the switch: only generation 2 says so.
    const g2 = new Y.Doc();
    Y.applyUpdate(g2, nextState);
    const before = Y.encodeStateVector(g2);
    new WorkspaceIndex(g2).tickets.update('tk1', { title: 'Renamed in generation two' }, 9);
    await t.server.sync.applyServerUpdate(indexDocId(ws, 2), Y.encodeStateAsUpdate(g2, before));

    const content = await t.server.services.reportedItems.content(
      ws,
      { kind: 'ticket', docId: seed.ticketDoc },
      '/unused',
    );
    expect(content).toMatchObject({ kind: 'ticket', title: 'Renamed in generation two' });
  });
});
