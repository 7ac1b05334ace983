import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { RestoreResponse, SnapshotSummary, UndoRestoreResponse } from '@desk/protocol';
import type { AuthTestServer } from '../../../sync-server/src/testing/authTestServer.ts';
import { makeTempDir } from '../../support/tempDir.ts';
import {
  contentKey,
  contentOfState,
  CuttableClient,
  ownerWithToken,
  startDeskServer,
  until,
} from './deskTestServer.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup() {
  const temp = makeTempDir('desk-restore-');
  cleanups.push(() => temp.remove());
  const t: AuthTestServer = await startDeskServer(temp.dir);
  cleanups.push(() => t.close());
  const owner = await ownerWithToken(t);
  const ws = owner.workspaceId;
  const ids = { index: `${ws}:index`, t1: `${ws}:ticket:t1`, t2: `${ws}:ticket:t2` };
  const client = () => {
    const c = new CuttableClient(() => t.server.url, owner.token);
    cleanups.push(() => c.client.close());
    return c;
  };
  const base = `/api/workspaces/${owner.slug}/snapshots`;
  return { t, owner, ids, client, base };
}

function row(fields: Record<string, unknown>): Y.Map<unknown> {
  const map = new Y.Map<unknown>();
  for (const [key, value] of Object.entries(fields)) map.set(key, value);
  return map;
}

function paragraph(text: string): Y.XmlElement {
  const p = new Y.XmlElement('paragraph');
  p.insert(0, [new Y.XmlText(text)]);
  return p;
}

describe('snapshot restore with connected, offline and stale clients', () => {
  it('converges all three to the snapshot content plus the offline client’s later edits', async () => {
    const { t, owner, ids, client, base } = await setup();
    const online = client();
    const onlineIndex = online.client.open(ids.index);
    const onlineT1 = online.client.open(ids.t1);
    await Promise.all([onlineIndex.whenSynced, onlineT1.whenSynced]);
    onlineT1.doc.transact(() => {
      onlineT1.doc.getXmlFragment('description').insert(0, [paragraph('The printer is on fire')]);
      onlineT1.doc.getMap('comments').set('c1', row({ body: 'Have you tried water?' }));
    });
    onlineIndex.doc
      .getMap('tickets')
      .set('t1', row({ title: 'Printer', status: 'open', priority: 'normal' }));

    // The stale client syncs now, then stays away until the very end.
    const stale = client();
    const staleIndex = stale.client.open(ids.index);
    const staleT1 = stale.client.open(ids.t1);
    await until(
      () =>
        contentKey(staleIndex.doc) === contentKey(onlineIndex.doc) &&
        contentKey(staleT1.doc) === contentKey(onlineT1.doc),
      'the stale client to sync',
    );
    stale.offline();

    // The snapshot.
    await until(() => onlineIndex.pending === 0 && onlineT1.pending === 0, 'edits acked');
    const snap = await owner.client.post<{ snapshot: SnapshotSummary }>(base, { label: 'good' });
    expect(snap.status).toBe(201);
    const atSnapshot = {
      index: contentOfState(await t.server.sync.readDocState(ids.index)),
      t1: contentOfState(await t.server.sync.readDocState(ids.t1)),
    };

    // After the snapshot: the offline client syncs, then goes offline and edits parts
    // the restore will not touch (a new comment; the priority field).
    const offline = client();
    const offlineIndex = offline.client.open(ids.index);
    const offlineT1 = offline.client.open(ids.t1);
    await Promise.all([offlineIndex.whenSynced, offlineT1.whenSynced]);
    // Online edits after the snapshot, which the restore rolls back.
    onlineIndex.doc.transact(() => {
      (onlineIndex.doc.getMap('tickets').get('t1') as Y.Map<unknown>).set('status', 'solved');
      onlineIndex.doc.getMap('tickets').set('t2', row({ title: 'Created later', status: 'new' }));
    });
    onlineT1.doc.getXmlFragment('description').insert(1, [paragraph('Fixed it myself')]);
    await until(
      () =>
        contentKey(offlineIndex.doc) === contentKey(onlineIndex.doc) &&
        contentKey(offlineT1.doc) === contentKey(onlineT1.doc),
      'the offline client to see the later edits',
    );
    offline.offline();
    offlineT1.doc.getMap('comments').set('c2', row({ body: 'Written offline' }));
    (offlineIndex.doc.getMap('tickets').get('t1') as Y.Map<unknown>).set('priority', 'urgent');

    // Restore the whole workspace while the online client watches.
    await until(() => onlineIndex.pending === 0 && onlineT1.pending === 0, 'later edits acked');
    const restore = await owner.client.post<RestoreResponse>(
      `${base}/${snap.body.snapshot.id}/restore`,
      {
        scope: 'workspace',
      },
    );
    expect(restore.status, JSON.stringify(restore.body)).toBe(200);
    await until(
      () =>
        contentKey(onlineIndex.doc) === atSnapshot.index &&
        contentKey(onlineT1.doc) === atSnapshot.t1,
      'the online client to converge on the snapshot without reloading',
    );

    // The offline client comes back: its edits land, the rolled-back content stays gone.
    const expected = { index: new Y.Doc(), t1: new Y.Doc() };
    Y.applyUpdate(expected.index, await t.server.sync.readDocState(ids.index));
    Y.applyUpdate(expected.t1, await t.server.sync.readDocState(ids.t1));
    (expected.index.getMap('tickets').get('t1') as Y.Map<unknown>).set('priority', 'urgent');
    expected.t1.getMap('comments').set('c2', row({ body: 'Written offline' }));
    offline.online();
    stale.online();

    const everyone = [
      [onlineIndex, onlineT1],
      [offlineIndex, offlineT1],
      [staleIndex, staleT1],
    ] as const;
    await until(
      () =>
        everyone.every(
          ([index, t1]) =>
            contentKey(index.doc) === contentKey(expected.index) &&
            contentKey(t1.doc) === contentKey(expected.t1),
        ),
      'all three clients to converge',
    );
    await until(() => offlineIndex.pending === 0 && offlineT1.pending === 0, 'offline edits acked');
    expect(contentOfState(await t.server.sync.readDocState(ids.index))).toBe(
      contentKey(expected.index),
    );
    expect(contentOfState(await t.server.sync.readDocState(ids.t1))).toBe(contentKey(expected.t1));
    const t1Row = expected.index.getMap('tickets').get('t1') as Y.Map<unknown>;
    expect(t1Row.get('status')).toBe('open');
    expect(expected.index.getMap('tickets').has('t2')).toBe(false);
  });

  it('brings a deleted ticket back on a connected client, and undoes that', async () => {
    const { t, owner, ids, client, base } = await setup();
    const online = client();
    const index = online.client.open(ids.index);
    const t1 = online.client.open(ids.t1);
    await Promise.all([index.whenSynced, t1.whenSynced]);
    t1.doc.getXmlFragment('description').insert(0, [paragraph('Keep me')]);
    index.doc.getMap('tickets').set('t1', row({ title: 'Important', status: 'open' }));
    await until(() => index.pending === 0 && t1.pending === 0, 'acked');
    const snap = await owner.client.post<{ snapshot: SnapshotSummary }>(base, {});

    index.doc.getMap('tickets').delete('t1');
    t1.doc.getXmlFragment('description').delete(0, 1);
    await until(() => index.pending === 0 && t1.pending === 0, 'deletion acked');

    const restored = await owner.client.post<RestoreResponse>(
      `${base}/${snap.body.snapshot.id}/restore`,
      { scope: 'ticket', ticketId: 't1' },
    );
    expect(restored.status).toBe(200);
    await until(
      () =>
        (index.doc.getMap('tickets').get('t1') as Y.Map<unknown> | undefined)?.get('title') ===
          'Important' && t1.doc.getXmlFragment('description').toString().includes('Keep me'),
      'the ticket to reappear on the connected client',
    );

    const undo = await owner.client.post<UndoRestoreResponse>(
      `${base}/${restored.body.preRestoreSnapshotId}/undo`,
      {},
    );
    expect(undo.status, JSON.stringify(undo.body)).toBe(200);
    expect(undo.body.undone).toEqual([
      expect.objectContaining({ id: 't1', parts: ['description', 'entry'] }),
    ]);
    await until(
      () =>
        !index.doc.getMap('tickets').has('t1') && t1.doc.getXmlFragment('description').length === 0,
      'the connected client to see the restore undone',
    );
    expect(contentOfState(await t.server.sync.readDocState(ids.index))).toBe(contentKey(index.doc));
  });
});
