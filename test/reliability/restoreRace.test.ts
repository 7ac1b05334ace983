import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { RestoreResponse, SnapshotSummary } from '@desk/protocol';
import { makeTempDir } from '../support/tempDir.ts';
import {
  contentKey,
  contentOfState,
  CuttableClient,
  ownerWithToken,
  startDeskServer,
  until,
} from '../system/snapshots/deskTestServer.ts';

/**
 * Concurrent restore and edits (issue 12, races): two connected clients keep writing
 * comments while a whole-workspace restore runs, and after it answered. Everyone — both
 * clients and the server — converges to one state: the snapshot's values where the restore
 * put them back (the status, the ticket created after the snapshot gone) plus every edit
 * made after the restore answered. An edit that raced the restore is kept or rolled back
 * whole, the same on every replica. (restoreConvergence.test.ts covers offline and stale
 * clients with edits before and after, not during.)
 */
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function row(fields: Record<string, unknown>): Y.Map<unknown> {
  const map = new Y.Map<unknown>();
  for (const [key, value] of Object.entries(fields)) map.set(key, value);
  return map;
}

describe('a workspace restore while clients edit', () => {
  it('converges every replica to the restore plus the edits made after it', async () => {
    const temp = makeTempDir('desk-restore-race-');
    cleanups.push(() => temp.remove());
    const t = await startDeskServer(temp.dir);
    cleanups.push(() => t.close());
    const owner = await ownerWithToken(t);
    const ws = owner.workspaceId;
    const ids = { index: `${ws}:index`, t1: `${ws}:ticket:t1` };
    const base = `/api/workspaces/${owner.slug}/snapshots`;
    const clients = ['a', 'b'].map((name) => {
      const c = new CuttableClient(() => t.server.url, owner.token);
      cleanups.push(() => c.client.close());
      return { name, index: c.client.open(ids.index), t1: c.client.open(ids.t1) };
    });
    await Promise.all(clients.flatMap((c) => [c.index.whenSynced, c.t1.whenSynced]));
    const [a, b] = clients as [(typeof clients)[0], (typeof clients)[0]];
    a.index.doc.getMap('tickets').set('t1', row({ title: 'Printer', status: 'open' }));
    a.t1.doc.getMap('comments').set('c0', row({ body: 'Before the snapshot' }));
    const acked = () => clients.every((c) => c.index.pending === 0 && c.t1.pending === 0);
    await until(acked, 'the first edits acked');
    const snap = await owner.client.post<{ snapshot: SnapshotSummary }>(base, {});
    expect(snap.status).toBe(201);

    // Rolled back by the restore.
    (a.index.doc.getMap('tickets').get('t1') as Y.Map<unknown>).set('status', 'solved');
    b.index.doc.getMap('tickets').set('t2', row({ title: 'Created after the snapshot' }));
    await until(
      () => clients.every((c) => c.index.doc.getMap('tickets').has('t2')) && acked(),
      'the later edits everywhere',
    );

    let restored = false;
    const racing: string[] = [];
    const writeWhileRestoring = async (client: (typeof clients)[0]) => {
      for (let i = 0; !restored; i++) {
        const key = `${client.name}-during-${i}`;
        client.t1.doc.getMap('comments').set(key, row({ body: key }));
        racing.push(key);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    const restore = owner.client
      .post<RestoreResponse>(`${base}/${snap.body.snapshot.id}/restore`, { scope: 'workspace' })
      .finally(() => {
        restored = true;
      });
    const [response] = await Promise.all([restore, writeWhileRestoring(a), writeWhileRestoring(b)]);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(racing.length).toBeGreaterThan(0);

    const after: string[] = [];
    for (let i = 0; i < 10; i++) {
      for (const client of clients) {
        const key = `${client.name}-after-${i}`;
        client.t1.doc.getMap('comments').set(key, row({ body: key }));
        after.push(key);
      }
    }
    await until(acked, 'every edit acked', 60_000);
    const server = async () => ({
      index: contentOfState(await t.server.sync.readDocState(ids.index)),
      t1: contentOfState(await t.server.sync.readDocState(ids.t1)),
    });
    await until(
      async () => {
        const s = await server();
        return clients.every(
          (c) => contentKey(c.index.doc) === s.index && contentKey(c.t1.doc) === s.t1,
        );
      },
      'both clients and the server to converge',
      60_000,
    );

    const final = new Y.Doc();
    Y.applyUpdate(final, await t.server.sync.readDocState(ids.t1));
    const comments = final.getMap('comments');
    const index = new Y.Doc();
    Y.applyUpdate(index, await t.server.sync.readDocState(ids.index));
    expect((index.getMap('tickets').get('t1') as Y.Map<unknown>).get('status')).toBe('open');
    expect(index.getMap('tickets').has('t2')).toBe(false);
    expect(comments.has('c0')).toBe(true);
    expect(after.filter((key) => !comments.has(key))).toEqual([]);
    // A racing comment is there whole or not at all.
    for (const key of racing) {
      if (comments.has(key)) expect((comments.get(key) as Y.Map<unknown>).get('body')).toBe(key);
    }
  });
});
