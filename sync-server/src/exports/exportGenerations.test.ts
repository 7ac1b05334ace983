import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  indexDocId,
  indexHeadDocId,
  rewriteIndex,
  setHeadGeneration,
  WorkspaceIndex,
} from '@desk/model';
import { contentDisabledWords } from '@desk/protocol';
import type { ExportListResponse } from '@desk/protocol/rest';
import { SESSION_COOKIE } from '../identity/sessionCookie.ts';
import {
  signUp,
  startAuthTestServer,
  type AuthTestServer,
  type TestClient,
} from '../testing/authTestServer.ts';
import { loginOperator } from '../testing/workspaceTestSupport.ts';
import { decide, report, seedWorkspace } from '../testing/moderationTestSupport.ts';
import { unzip } from '../testing/exportTestSupport.ts';

let t: AuthTestServer;
let operator: { client: TestClient; userId: string };

beforeAll(async () => {
  t = await startAuthTestServer({ SNAPSHOT_INTERVAL_MINUTES: '0', BACKUP_INTERVAL_HOURS: '0' });
  operator = await loginOperator(t);
});
afterAll(() => t.close());

/** What the server's rewriter does (IDX-GEN-1): generation 2, g pointed at it, the head. */
async function rewrite(ws: string): Promise<void> {
  const g1 = new Y.Doc();
  Y.applyUpdate(g1, await t.server.sync.readDocState(indexDocId(ws, 1)));
  const { nextState, markReplaced } = rewriteIndex(g1);
  await t.server.sync.applyServerUpdate(indexDocId(ws, 2), nextState);
  await t.server.sync.applyServerUpdate(indexDocId(ws, 1), markReplaced);
  await t.server.sync.applyServerUpdate(indexHeadDocId(ws), setHeadGeneration(new Y.Doc(), 2));
}

describe('an export of a workspace whose index was rewritten (IDX-GEN, MOD-6)', () => {
  it('lists the newest generation’s tickets and ships no older generation holding a disabled row', async () => {
    const owner = await signUp(t);
    const seed = await seedWorkspace(t, owner);
    const ws = owner.workspaceId;
    await rewrite(ws);
    // Made after the switch: only generation 2 has it.
    const g2 = new Y.Doc();
    Y.applyUpdate(g2, await t.server.sync.readDocState(indexDocId(ws, 2)));
    const before = Y.encodeStateVector(g2);
    new WorkspaceIndex(g2).tickets.create(
      { id: 'tk3', title: 'Made in generation two', number: 3 },
      { id: owner.userId, name: 'Owner' },
      5,
    );
    await t.server.sync.applyServerUpdate(indexDocId(ws, 2), Y.encodeStateAsUpdate(g2, before));
    const filed = await report(owner.client, owner.slug, { kind: 'ticket', docId: seed.ticketDoc });
    expect(filed.status, JSON.stringify(filed.body)).toBe(201);
    await decide(operator.client, filed.body.report.caseId, 'disable', 'Spam');

    const base = `/api/workspaces/${owner.slug}/exports`;
    expect((await owner.client.post(base)).status).toBe(202);
    await t.server.exports.service.idle();
    const ready = (await owner.client.get<ExportListResponse>(base)).body.exports[0]!;
    expect(ready.state).toBe('ready');
    const download = await fetch(`${owner.client.baseUrl}${base}/${ready.id}/download`, {
      headers: {
        cookie: `${SESSION_COOKIE}=${owner.client.sessionToken}`,
        origin: owner.client.origin,
      },
    });
    const entries = await unzip(Buffer.from(await download.arrayBuffer()));
    const tickets = JSON.parse(entries.get('tickets.json')!.toString()) as {
      id: string;
      title: string;
    }[];
    expect(tickets.map((x) => x.id).sort()).toEqual(['tk1', 'tk2', 'tk3']);
    expect(tickets.find((x) => x.id === 'tk1')!.title).toBe(contentDisabledWords('Spam'));
    for (const [name, bytes] of entries) {
      expect(bytes.includes('Printer on fire'), `the disabled title in ${name}`).toBe(false);
    }
  });
});
