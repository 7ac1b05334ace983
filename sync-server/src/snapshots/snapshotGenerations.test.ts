import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type {
  RestoreResponse,
  SnapshotContentsResponse,
  SnapshotDiffResponse,
  SnapshotSummary,
  UndoRestoreResponse,
} from '@desk/protocol';
import { generationOf, indexDocId, indexHeadDocId, nextGenerationOf } from '@desk/model';
import { signUp, startAuthTestServer, type AuthTestServer } from '../testing/authTestServer.ts';
import { rewriteIndexNow } from '../testing/indexGenerationsTestSupport.ts';
import { contentNow, createTicket, editDoc } from '../testing/snapshotTestSupport.ts';
import { docOf } from './SnapshotDocs.ts';

/**
 * Snapshots of a workspace whose index the server rewrote (issue 15 #4, SPEC IDX-GEN-5): a
 * snapshot is read in the generation its head named, and a restore or its undo writes index
 * rows into the newest generation now — never into the one it replaced.
 */
let t: AuthTestServer;
beforeAll(async () => {
  t = await startAuthTestServer({ SNAPSHOT_INTERVAL_MINUTES: '0', BACKUP_INTERVAL_HOURS: '0' });
});
afterAll(() => t.close());

/** Three tickets in generation 1, a snapshot of them, then the index rewritten into 2. */
async function rewrittenAfterSnapshot() {
  const owner = await signUp(t);
  const sync = t.server.sync;
  const ws = owner.workspaceId;
  for (let i = 1; i <= 3; i += 1) await createTicket(sync, ws, `t${i}`, `Ticket ${i}`, i);
  const base = `/api/workspaces/${owner.slug}/snapshots`;
  const taken = await owner.client.post<{ snapshot: SnapshotSummary }>(base, {});
  expect(taken.status, JSON.stringify(taken.body)).toBe(201);
  expect(await rewriteIndexNow(t, ws)).toMatchObject({ kind: 'rewritten' });
  const g1 = indexDocId(ws, 1);
  const g2 = indexDocId(ws, 2);
  // After the switch devices write generation 2 only: t2 deleted, t1 solved.
  await editDoc(sync, g2, (doc) => {
    doc.getMap('tickets').delete('t2');
    (doc.getMap('tickets').get('t1') as Y.Map<unknown>).set('status', 'solved');
  });
  return { ...owner, sync, ws, base, snapshot: taken.body.snapshot, g1, g2 };
}

async function rowOf(docId: string, id: string): Promise<Record<string, unknown> | null> {
  const doc = docOf(await t.server.sync.readDocState(docId));
  try {
    const row = doc.getMap('tickets').get(id);
    return row instanceof Y.Map ? (row.toJSON() as Record<string, unknown>) : null;
  } finally {
    doc.destroy();
  }
}

async function metaOf(docId: string): Promise<{ generation: number; next: number | null }> {
  const doc = docOf(await t.server.sync.readDocState(docId));
  try {
    return { generation: generationOf(doc), next: nextGenerationOf(doc) };
  } finally {
    doc.destroy();
  }
}

describe('snapshots of a rewritten index (SPEC IDX-GEN-5)', () => {
  it('browses and diffs a snapshot taken before the rewrite against the newest generation', async () => {
    const w = await rewrittenAfterSnapshot();
    const contents = await w.client.get<SnapshotContentsResponse>(`${w.base}/${w.snapshot.id}`);
    expect(contents.body.tickets.map((x) => x.id).sort()).toEqual(['t1', 't2', 't3']);

    const diff = await w.client.get<SnapshotDiffResponse>(`${w.base}/${w.snapshot.id}/diff`);
    expect(diff.status).toBe(200);
    expect(diff.body.tickets.added).toEqual([]);
    expect(diff.body.tickets.removed.map((x) => x.id)).toEqual(['t2']);
    expect(diff.body.tickets.changed).toMatchObject([
      { before: { id: 't1' }, fields: ['status'], contentChanged: false },
    ]);

    // A snapshot taken after the rewrite reads generation 2 (its head names it).
    const after = await w.client.post<{ snapshot: SnapshotSummary }>(w.base, {});
    const later = await w.client.get<SnapshotContentsResponse>(
      `${w.base}/${after.body.snapshot.id}`,
    );
    expect(later.body.tickets.map((x) => x.id).sort()).toEqual(['t1', 't3']);
  });

  it('restores a ticket row into the newest generation, and its undo takes it out of there again', async () => {
    const w = await rewrittenAfterSnapshot();
    const g1Before = await contentNow(w.sync, w.g1);

    const res = await w.client.post<RestoreResponse>(`${w.base}/${w.snapshot.id}/restore`, {
      scope: 'ticket',
      ticketId: 't2',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(await rowOf(w.g2, 't2')).toMatchObject({ title: 'Ticket 2', status: 'open' });
    expect((await rowOf(w.g2, 't1'))?.status).toBe('solved'); // not in the restore's scope
    expect(await contentNow(w.sync, w.g1)).toBe(g1Before); // the replaced one: untouched
    expect(await metaOf(w.g2)).toEqual({ generation: 2, next: null });

    const undo = await w.client.post<UndoRestoreResponse>(
      `${w.base}/${res.body.preRestoreSnapshotId}/undo`,
      {},
    );
    expect(undo.status, JSON.stringify(undo.body)).toBe(200);
    expect(undo.body.undone).toMatchObject([
      { kind: 'ticket', id: 't2', number: 2, title: 'Ticket 2' },
    ]);
    expect(undo.body.leftAlone).toEqual([]);
    expect(await rowOf(w.g2, 't2')).toBeNull();
    expect(await contentNow(w.sync, w.g1)).toBe(g1Before);
  });

  it('restores the whole workspace into the newest generation, keeping its generation keys, the head and the replaced one as they are', async () => {
    const w = await rewrittenAfterSnapshot();
    const g1Before = await contentNow(w.sync, w.g1);
    const res = await w.client.post<RestoreResponse>(`${w.base}/${w.snapshot.id}/restore`, {
      scope: 'workspace',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(await rowOf(w.g2, 't2')).toMatchObject({ title: 'Ticket 2' });
    expect((await rowOf(w.g2, 't1'))?.status).toBe('open');
    expect(await metaOf(w.g2)).toEqual({ generation: 2, next: null });
    expect(await metaOf(indexHeadDocId(w.ws))).toMatchObject({ generation: 2 });
    expect(await contentNow(w.sync, w.g1)).toBe(g1Before);

    const undo = await w.client.post<UndoRestoreResponse>(
      `${w.base}/${res.body.preRestoreSnapshotId}/undo`,
      {},
    );
    expect(undo.status, JSON.stringify(undo.body)).toBe(200);
    expect(await rowOf(w.g2, 't2')).toBeNull();
    expect((await rowOf(w.g2, 't1'))?.status).toBe('solved');
    expect(await metaOf(w.g2)).toEqual({ generation: 2, next: null });
  });
});
