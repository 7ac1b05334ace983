import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  generationOf,
  indexDocId,
  indexHeadDocId,
  keptFromOf,
  nextGenerationOf,
  WorkspaceIndex,
} from '@desk/model';
import type { AuthTestServer } from '../../../sync-server/src/testing/authTestServer.ts';
import { makeTempDir } from '../../support/tempDir.ts';
import {
  CuttableClient,
  ownerWithToken,
  startDeskServer,
  until,
} from '../snapshots/deskTestServer.ts';

/**
 * Tombstone reclaim against the real server (issue 15 #4, SPEC IDX-GEN): the server rewrites
 * a tombstoned index into generation 2, a connected device switches to it, a device offline
 * across the rewrite brings its edits to generation 1 and they land in generation 2, and a
 * fresh device opens the head and generation 2 only.
 */
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const TICKETS = 400;
const KEPT = 40;
const agents = ['ana', 'bo', 'cy', 'di'].map((id) => ({ id, name: id }));
const T0 = Date.UTC(2026, 10, 3);
// The projector reads an index at most every 10 s; a rewrite and a replay each wait for one.
const WAIT_MS = 90_000;

/**
 * An index as months of work leave it: four agents' tickets, each edited, most then archived
 * (removed from the index) — tombstones well over the live rows.
 */
function tombstonedIndex(): Uint8Array {
  const docs = agents.map(() => new Y.Doc());
  const [first] = docs;
  for (let i = 0; i < TICKETS; i += 1) {
    const at = i % docs.length;
    const index = new WorkspaceIndex(docs[at]!);
    index.tickets.create({ id: `t${i}`, title: `Ticket ${i}`, number: i + 1 }, agents[at]!, T0 + i);
  }
  const merged = () => Y.mergeUpdates(docs.map((d) => Y.encodeStateAsUpdate(d)));
  for (const doc of docs) Y.applyUpdate(doc, merged());
  for (let i = 0; i < TICKETS; i += 1) {
    const doc = docs[(i + 1) % docs.length]!;
    new WorkspaceIndex(doc).tickets.update(`t${i}`, { status: 'solved' }, T0 + 10_000 + i);
  }
  for (const doc of docs) Y.applyUpdate(doc, merged());
  const archiver = new WorkspaceIndex(first!);
  for (let i = KEPT; i < TICKETS; i += 1) archiver.tickets.remove(`t${i}`);
  archiver.archives.add('2026-11');
  archiver.ensureSchema();
  return Y.encodeStateAsUpdate(first!);
}

/** The rows of an index, in id order (map order differs between replicas). */
function rowsOf(doc: Y.Doc): string {
  const rows = new WorkspaceIndex(doc).tickets.all();
  return JSON.stringify(rows.sort((a, b) => a.id.localeCompare(b.id)));
}

function docOf(state: Uint8Array): Y.Doc {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, state);
  return doc;
}

async function setup(env: Record<string, string> = {}) {
  const temp = makeTempDir('desk-generations-');
  cleanups.push(() => temp.remove());
  const t: AuthTestServer = await startDeskServer(temp.dir, 0, {
    INDEX_REWRITE_MIN_BYTES: '1',
    ...env,
  });
  cleanups.push(() => t.close());
  const owner = await ownerWithToken(t);
  const device = () => {
    const c = new CuttableClient(() => t.server.url, owner.token);
    cleanups.push(() => c.client.close());
    return c;
  };
  return { t, ws: owner.workspaceId, owner, device };
}

describe('index generations (tombstone reclaim) on the real server', () => {
  it('IDX-GEN-1..4: rewrites a tombstoned index, switches devices over, carries a late offline edit, and a fresh device opens the new generation only', async () => {
    const { t, ws, device } = await setup();
    const g1 = indexDocId(ws, 1);
    const g2 = indexDocId(ws, 2);

    // Two devices hold generation 1; the second goes offline before the rewrite.
    const online = device();
    const onlineG1 = online.client.open(g1);
    await onlineG1.whenSynced;
    Y.applyUpdate(onlineG1.doc, tombstonedIndex());
    const late = device();
    const lateG1 = late.client.open(g1);
    await until(
      () => new WorkspaceIndex(lateG1.doc).tickets.size === KEPT,
      'the second device to hold the index',
    );
    late.offline();

    // IDX-GEN-1: the server writes generation 2 and points generation 1 at it.
    await until(() => nextGenerationOf(onlineG1.doc) === 2, 'generation 1 to point at 2', WAIT_MS);
    const bytesG1 = (await t.server.sync.readDocState(g1)).length;
    const bytesG2 = (await t.server.sync.readDocState(g2)).length;
    // 360 removed rows of 400 (~20 bytes each once GC merged them) and 800 overwritten fields.
    expect(bytesG2).toBeLessThan(bytesG1 * 0.75);

    // IDX-GEN-2: the connected device switches once generation 2 synced, and writes there.
    const onlineG2 = online.client.open(g2);
    await onlineG2.whenSynced;
    expect(rowsOf(onlineG2.doc)).toEqual(rowsOf(onlineG1.doc));
    expect(generationOf(onlineG2.doc)).toBe(2);
    onlineG1.release();
    new WorkspaceIndex(onlineG2.doc).tickets.update('t1', { priority: 'urgent' }, T0 + 50_000);

    // IDX-GEN-3: the late device edits generation 1 offline, comes back, and then switches.
    const lateIndex = new WorkspaceIndex(lateG1.doc);
    lateIndex.tickets.update('t1', { status: 'pending' }, T0 + 40_000);
    lateIndex.tickets.create(
      { id: 'made-offline', title: 'Made offline', number: 999 },
      agents[1]!,
      T0 + 40_001,
    );
    lateIndex.tickets.remove('t5');
    late.online();
    await until(() => nextGenerationOf(lateG1.doc) === 2, 'the late device to see the pointer');
    const lateG2 = late.client.open(g2);
    await lateG2.whenSynced;
    lateG1.release();

    const carried = (doc: Y.Doc) => {
      const index = new WorkspaceIndex(doc);
      const t1 = index.tickets.get('t1');
      return (
        t1?.status === 'pending' &&
        t1.priority === 'urgent' &&
        index.tickets.get('made-offline') !== null &&
        index.tickets.get('t5') === null
      );
    };
    await until(() => carried(onlineG2.doc), 'the late edits in generation 2 (online)', WAIT_MS);
    await until(() => carried(lateG2.doc), 'the late edits in generation 2 (late device)');
    await until(
      () => rowsOf(lateG2.doc) === rowsOf(onlineG2.doc),
      'both devices to hold the same generation 2',
    );

    // IDX-GEN-4: a fresh device reads the head, then opens generation 2 alone.
    const fresh = device();
    const head = fresh.client.open(indexHeadDocId(ws));
    await head.whenSynced;
    await until(() => generationOf(head.doc) === 2, 'the head to name generation 2');
    const freshIndex = fresh.client.open(indexDocId(ws, generationOf(head.doc)));
    await freshIndex.whenSynced;
    expect(rowsOf(freshIndex.doc)).toEqual(rowsOf(onlineG2.doc));
    expect(Y.encodeStateAsUpdate(freshIndex.doc).length).toBeLessThan(bytesG1 * 0.75);
    // What generation 2 holds now, late edits included, is still far below generation 1.
    const finalG2 = await t.server.sync.readDocState(g2);
    expect(new WorkspaceIndex(docOf(finalG2)).tickets.size).toBe(KEPT); // +1 made offline, −1 removed
    expect(finalG2.length).toBeLessThan(bytesG1 * 0.75);
  }, 240_000);
});

describe('snapshots and dropped generations on the real server', () => {
  it('IDX-GEN-5, IDX-GEN-6: a snapshot from before the rewrite restores into generation 2 and its undo too; generation 1 is dropped after the offline-replica limit and a device remembering it opens the head’s', async () => {
    const LIMIT_DAYS = 1;
    const temp = makeTempDir('desk-generations-');
    cleanups.push(() => temp.remove());
    // First without rewriting, so the snapshot is surely taken before the rewrite; then the
    // same data on the same port with rewriting on (devices reconnect to one URL).
    let t: AuthTestServer = await startDeskServer(temp.dir, 0, {
      INDEX_REWRITE_MIN_BYTES: '0',
    });
    cleanups.push(() => t.close());
    const owner = await ownerWithToken(t);
    const ws = owner.workspaceId;
    const device = () => {
      const c = new CuttableClient(() => t.server.url, owner.token);
      cleanups.push(() => c.client.close());
      return c;
    };
    const g1 = indexDocId(ws, 1);
    const g2 = indexDocId(ws, 2);
    const online = device();
    const onlineG1 = online.client.open(g1);
    await onlineG1.whenSynced;
    Y.applyUpdate(onlineG1.doc, tombstonedIndex());
    await until(
      async () =>
        new WorkspaceIndex(docOf(await t.server.sync.readDocState(g1))).tickets.size === KEPT,
      'the server to hold the index',
    );
    const base = `/api/workspaces/${owner.slug}/snapshots`;
    const taken = await owner.client.post<{ snapshot: { id: string } }>(base, {});
    expect(taken.status, JSON.stringify(taken.body)).toBe(201);
    const snapshotId = taken.body.snapshot.id;
    const port = Number(new URL(t.server.url).port);
    await t.close();
    t = await startDeskServer(temp.dir, port, {
      INDEX_REWRITE_MIN_BYTES: '1',
      OFFLINE_REPLICA_LIMIT_DAYS: String(LIMIT_DAYS),
    });
    cleanups.push(() => t.close());

    // The server rewrites generation 1 into 2; the device switches and archives t1 there.
    await until(() => nextGenerationOf(onlineG1.doc) === 2, 'generation 1 to point at 2', WAIT_MS);
    const onlineG2 = online.client.open(g2);
    await onlineG2.whenSynced;
    onlineG1.release();
    new WorkspaceIndex(onlineG2.doc).tickets.remove('t1');
    await until(
      async () =>
        new WorkspaceIndex(docOf(await t.server.sync.readDocState(g2))).tickets.get('t1') === null,
      'the archiving to reach the server',
    );

    // Restoring t1 from the snapshot (read in generation 1) writes its row into generation 2.
    const restored = await owner.client.post<{ preRestoreSnapshotId: string }>(
      `${base}/${snapshotId}/restore`,
      { scope: 'ticket', ticketId: 't1' },
    );
    expect(restored.status, JSON.stringify(restored.body)).toBe(200);
    await until(
      () => new WorkspaceIndex(onlineG2.doc).tickets.get('t1')?.title === 'Ticket 1',
      'the restored row on the device holding generation 2',
    );
    expect(generationOf(onlineG2.doc)).toBe(2);
    expect(nextGenerationOf(onlineG2.doc)).toBeNull();

    // Its undo takes the row out of generation 2 again.
    const undone = await owner.client.post(
      `${base}/${restored.body.preRestoreSnapshotId}/undo`,
      {},
    );
    expect(undone.status, JSON.stringify(undone.body)).toBe(200);
    await until(
      () => new WorkspaceIndex(onlineG2.doc).tickets.get('t1') === null,
      'the undo to reach the device',
    );

    // IDX-GEN-6: past the offline-replica limit (and the hourly look), the next read of the
    // index drops generation 1: the head says so, the store forgets it.
    const head = online.client.open(indexHeadDocId(ws));
    await head.whenSynced;
    t.clock.advance(LIMIT_DAYS * 24 * 3_600_000 + 3_600_000);
    new WorkspaceIndex(onlineG2.doc).tickets.update('t2', { status: 'pending' }, T0 + 90_000);
    await until(
      () => keptFromOf(head.doc) === 2,
      'the head to say generation 1 was dropped',
      WAIT_MS,
    );
    // Deleted right after the head says so (on either backend: the engine's stored parts).
    await expect.poll(() => t.server.sync.docs.storedParts(g1), { timeout: WAIT_MS }).toEqual([]);
    expect(generationOf(head.doc)).toBe(2);
    // A device that remembers generation 1 reads its copy of the head at start (the web's
    // `startGeneration`) and opens generation 2: what it finds there is the workspace now.
    const remembered = 1;
    const opens = keptFromOf(head.doc) > remembered ? generationOf(head.doc) : remembered;
    expect(opens).toBe(2);
    const later = device();
    const laterIndex = later.client.open(indexDocId(ws, opens));
    await laterIndex.whenSynced;
    await until(
      () => rowsOf(laterIndex.doc) === rowsOf(onlineG2.doc),
      'the later device to hold generation 2 as it is',
    );
    expect(new WorkspaceIndex(laterIndex.doc).tickets.get('t2')?.status).toBe('pending');
  }, 300_000);
});
