import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type {
  RestoreResponse,
  SnapshotContentsResponse,
  SnapshotDiffResponse,
  SnapshotListResponse,
  SnapshotSummary,
  SnapshotTicketResponse,
  UndoRestoreResponse,
} from '@desk/protocol';
import { signUp, startAuthTestServer, type AuthTestServer } from '../testing/authTestServer.ts';
import { addMember } from '../testing/workspaceTestSupport.ts';
import { workspaceDocIds } from './SnapshotDocs.ts';
import {
  contentNow,
  createTicket,
  editDoc,
  paragraph,
  setTicketField,
  ticketRow,
} from '../testing/snapshotTestSupport.ts';

let t: AuthTestServer;
beforeAll(async () => {
  t = await startAuthTestServer({ SNAPSHOT_INTERVAL_MINUTES: '0' });
});
afterAll(() => t.close());

async function workspaceWithTickets(count: number) {
  const owner = await signUp(t);
  const sync = t.server.sync;
  for (let i = 1; i <= count; i += 1) {
    await createTicket(sync, owner.workspaceId, `t${i}`, `Ticket ${i}`, i);
  }
  return { ...owner, sync, base: `/api/workspaces/${owner.slug}/snapshots` };
}

async function takeSnapshot(
  client: Awaited<ReturnType<typeof signUp>>['client'],
  base: string,
  label?: string,
): Promise<SnapshotSummary> {
  const res = await client.post<{ snapshot: SnapshotSummary }>(base, label ? { label } : {});
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.snapshot;
}

describe('snapshot routes', () => {
  it('captures every document of the workspace, and an unchanged document costs no new bytes', async () => {
    const w = await workspaceWithTickets(3);
    const first = await takeSnapshot(w.client, w.base, 'before the migration');
    expect(first).toMatchObject({
      trigger: 'manual',
      label: 'before the migration',
      docCount: 4, // index + 3 ticket docs
      author: { id: w.userId },
    });
    expect(first.totalBytes).toBeGreaterThan(0);
    expect(first.addedBytes).toBeGreaterThan(0);

    const second = await takeSnapshot(w.client, w.base);
    expect(second.docCount).toBe(4);
    expect(second.addedBytes).toBe(0);

    await setTicketField(w.sync, w.workspaceId, 't2', 'title', 'Renamed');
    const third = await takeSnapshot(w.client, w.base);
    expect(third.addedBytes).toBeGreaterThan(0);
    expect(third.addedBytes).toBeLessThan(first.addedBytes);

    const list = await w.client.get<SnapshotListResponse>(w.base);
    expect(list.body.snapshots.map((s) => s.id)).toEqual([third.id, second.id, first.id]);
  });

  it('restores the whole workspace as a forward change, after a pre-restore snapshot, and records it', async () => {
    const w = await workspaceWithTickets(2);
    const snapshot = await takeSnapshot(w.client, w.base);
    const indexId = workspaceDocIds.index(w.workspaceId);
    const ticketId = workspaceDocIds.ticket(w.workspaceId, 't1');
    const contentThen = {
      index: await contentNow(w.sync, indexId),
      t1: await contentNow(w.sync, ticketId),
    };

    await setTicketField(w.sync, w.workspaceId, 't1', 'status', 'closed');
    await editDoc(w.sync, ticketId, (doc) =>
      doc.getXmlFragment('description').insert(1, [paragraph('Added later')]),
    );
    await createTicket(w.sync, w.workspaceId, 't3', 'Created later', 3);
    const contentLater = await contentNow(w.sync, indexId);

    const res = await w.client.post<RestoreResponse>(`${w.base}/${snapshot.id}/restore`, {
      scope: 'workspace',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.changedDocs).toBe(3); // index, t1, and t3's doc emptied

    expect(await contentNow(w.sync, indexId)).toBe(contentThen.index);
    expect(await contentNow(w.sync, ticketId)).toBe(contentThen.t1);
    expect(await ticketRow(w.sync, w.workspaceId, 't3')).toBeNull();

    const list = await w.client.get<SnapshotListResponse>(w.base);
    const before = list.body.snapshots.find((s) => s.id === res.body.preRestoreSnapshotId);
    expect(before).toMatchObject({
      trigger: 'pre_restore',
      restoreOf: { snapshotId: snapshot.id, scope: 'workspace' },
    });

    const audit = t.server.services.audit.list({ workspaceId: w.workspaceId });
    expect(audit[0]).toMatchObject({
      action: 'snapshot.restored',
      actorUserId: w.userId,
      details: { snapshotId: snapshot.id, preRestoreSnapshotId: res.body.preRestoreSnapshotId },
    });

    // Undo brings back what the restore rolled back, says what, and is recorded.
    const undo = await w.client.post<UndoRestoreResponse>(
      `${w.base}/${res.body.preRestoreSnapshotId}/undo`,
      {},
    );
    expect(undo.status, JSON.stringify(undo.body)).toBe(200);
    expect(await contentNow(w.sync, indexId)).toBe(contentLater);
    expect((await ticketRow(w.sync, w.workspaceId, 't3'))?.title).toBe('Created later');
    expect(undo.body).toEqual({
      restoreOf: { snapshotId: snapshot.id, scope: 'workspace' },
      undone: [
        {
          kind: 'ticket',
          id: 't1',
          number: 1,
          title: 'Ticket 1',
          parts: ['description', 'status'],
        },
        {
          kind: 'ticket',
          id: 't3',
          number: 3,
          title: 'Created later',
          parts: ['comments', 'description', 'entry'],
        },
      ],
      leftAlone: [],
    });
    expect(t.server.services.audit.list({ workspaceId: w.workspaceId })[0]).toMatchObject({
      action: 'snapshot.restore_undone',
      actorUserId: w.userId,
      details: { preRestoreSnapshotId: res.body.preRestoreSnapshotId, snapshotId: snapshot.id },
    });
    const listed = await w.client.get<SnapshotListResponse>(w.base);
    const undoneSnapshot = listed.body.snapshots.find(
      (s) => s.id === res.body.preRestoreSnapshotId,
    );
    expect(undoneSnapshot?.restoreOf).toMatchObject({
      undoable: false,
      undoneAt: expect.any(Number),
    });

    const again = await w.client.post(`${w.base}/${res.body.preRestoreSnapshotId}/undo`, {});
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: { code: 'restore_already_undone' } });
    const notARestore = await w.client.post(`${w.base}/${snapshot.id}/undo`, {});
    expect(notARestore.status).toBe(409);
    expect(notARestore.body).toMatchObject({ error: { code: 'restore_not_undoable' } });
  });

  it('restores one notice and undoes it, leaving a notice edited since alone and saying so', async () => {
    const w = await workspaceWithTickets(0);
    const indexId = workspaceDocIds.index(w.workspaceId);
    const noticeDoc = (id: string) => workspaceDocIds.notice(w.workspaceId, id);
    const setNotice = (id: string, title: string, body: string) =>
      Promise.all([
        editDoc(w.sync, indexId, (doc) => {
          const row = new Y.Map<unknown>();
          row.set('title', title);
          doc.getMap('notices').set(id, row);
        }),
        editDoc(w.sync, noticeDoc(id), (doc) => {
          const fragment = doc.getXmlFragment('body');
          fragment.delete(0, fragment.length);
          fragment.insert(0, [paragraph(body)]);
        }),
      ]);
    await setNotice('n1', 'Office closed Friday', 'The office is closed on Friday.');
    const snapshot = await takeSnapshot(w.client, w.base);
    await setNotice('n1', 'Office open Friday', 'Open after all.');
    const before = await contentNow(w.sync, noticeDoc('n1'));

    const res = await w.client.post<RestoreResponse>(`${w.base}/${snapshot.id}/restore`, {
      scope: 'notice',
      noticeId: 'n1',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(await contentNow(w.sync, noticeDoc('n1'))).toContain('The office is closed on Friday.');
    // Someone edits the title after the restore; the body stays as restored.
    await editDoc(w.sync, indexId, (doc) =>
      (doc.getMap('notices').get('n1') as Y.Map<unknown>).set('title', 'Office closed Friday!'),
    );

    const undo = await w.client.post<UndoRestoreResponse>(
      `${w.base}/${res.body.preRestoreSnapshotId}/undo`,
      {},
    );
    expect(undo.status, JSON.stringify(undo.body)).toBe(200);
    expect(await contentNow(w.sync, noticeDoc('n1'))).toBe(before);
    expect(undo.body.undone).toEqual([
      { kind: 'notice', id: 'n1', number: null, title: 'Office closed Friday!', parts: ['body'] },
    ]);
    expect(undo.body.leftAlone).toEqual([
      {
        kind: 'notice',
        id: 'n1',
        number: null,
        title: 'Office closed Friday!',
        parts: ['title'],
        reason: 'changed_since_restore',
      },
    ]);
    expect(t.server.services.audit.list({ workspaceId: w.workspaceId })[0]).toMatchObject({
      action: 'snapshot.restore_undone',
      targetKind: 'notice',
      targetId: 'n1',
      details: { undoneItems: 1, leftAloneItems: 1 },
    });
  });

  it('restores one ticket deleted since, its index row and its document, leaving the others alone', async () => {
    const w = await workspaceWithTickets(2);
    const snapshot = await takeSnapshot(w.client, w.base);
    const t1 = workspaceDocIds.ticket(w.workspaceId, 't1');
    const t1Then = await contentNow(w.sync, t1);

    await editDoc(w.sync, workspaceDocIds.index(w.workspaceId), (doc) =>
      doc.getMap('tickets').delete('t1'),
    );
    await editDoc(w.sync, t1, (doc) => {
      const description = doc.getXmlFragment('description');
      description.delete(0, description.length);
    });
    await setTicketField(w.sync, w.workspaceId, 't2', 'title', 'Kept as it is now');

    const res = await w.client.post<RestoreResponse>(`${w.base}/${snapshot.id}/restore`, {
      scope: 'ticket',
      ticketId: 't1',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(await ticketRow(w.sync, w.workspaceId, 't1')).toMatchObject({ title: 'Ticket 1' });
    expect(await contentNow(w.sync, t1)).toBe(t1Then);
    expect((await ticketRow(w.sync, w.workspaceId, 't2'))?.title).toBe('Kept as it is now');

    const missing = await w.client.post(`${w.base}/${snapshot.id}/restore`, {
      scope: 'ticket',
      ticketId: 'never-existed',
    });
    expect(missing.status).toBe(404);
  });

  it('lists what changed between a snapshot and now', async () => {
    const w = await workspaceWithTickets(3);
    const snapshot = await takeSnapshot(w.client, w.base);
    await setTicketField(w.sync, w.workspaceId, 't1', 'status', 'solved');
    await editDoc(w.sync, workspaceDocIds.ticket(w.workspaceId, 't2'), (doc) =>
      doc.getXmlFragment('description').insert(0, [paragraph('New first line')]),
    );
    await editDoc(w.sync, workspaceDocIds.index(w.workspaceId), (doc) =>
      doc.getMap('tickets').delete('t3'),
    );
    await createTicket(w.sync, w.workspaceId, 't4', 'Brand new', 4);

    const res = await w.client.get<SnapshotDiffResponse>(`${w.base}/${snapshot.id}/diff`);
    expect(res.status).toBe(200);
    expect(res.body.tickets.added.map((x) => x.id)).toEqual(['t4']);
    expect(res.body.tickets.removed.map((x) => x.id)).toEqual(['t3']);
    const changed = Object.fromEntries(res.body.tickets.changed.map((c) => [c.before.id, c]));
    expect(Object.keys(changed).sort()).toEqual(['t1', 't2']);
    expect(changed.t1).toMatchObject({ fields: ['status'], contentChanged: false });
    expect(changed.t2).toMatchObject({ fields: [], contentChanged: true });
  });

  it('shows a ticket as it was, read-only', async () => {
    const w = await workspaceWithTickets(1);
    const snapshot = await takeSnapshot(w.client, w.base);
    await setTicketField(w.sync, w.workspaceId, 't1', 'title', 'Changed later');

    const contents = await w.client.get<SnapshotContentsResponse>(`${w.base}/${snapshot.id}`);
    expect(contents.body.tickets).toEqual([
      { id: 't1', number: 1, title: 'Ticket 1', status: 'open', deleted: false },
    ]);
    const res = await w.client.get<SnapshotTicketResponse>(`${w.base}/${snapshot.id}/tickets/t1`);
    expect(res.status).toBe(200);
    expect(res.body.fields.title).toBe('Ticket 1');
    expect(res.body.description).toEqual([
      {
        type: 'element',
        name: 'paragraph',
        attrs: {},
        children: [{ type: 'text', runs: [{ text: 'Description of Ticket 1', marks: {} }] }],
      },
    ]);
    expect(res.body.comments).toMatchObject([{ body: 'First reply on Ticket 1', kind: 'reply' }]);
  });

  it('is for owners and admins only', async () => {
    const w = await workspaceWithTickets(1);
    const agent = await addMember(t, w.client, w.slug, `agent-${w.slug}@example.com`, 'agent');
    const admin = await addMember(t, w.client, w.slug, `admin-${w.slug}@example.com`, 'admin');
    expect((await agent.client.get(w.base)).status).toBe(403);
    expect((await agent.client.post(w.base, {})).status).toBe(403);
    expect((await agent.client.post(`${w.base}/any/undo`, {})).status).toBe(403);
    expect((await admin.client.post(w.base, {})).status).toBe(201);
    const stranger = await signUp(t);
    expect((await stranger.client.get(w.base)).status).toBe(404);
  });

  it('refuses a restore body it does not understand', async () => {
    const w = await workspaceWithTickets(1);
    const snapshot = await takeSnapshot(w.client, w.base);
    const res = await w.client.post(`${w.base}/${snapshot.id}/restore`, { scope: 'everything' });
    expect(res.status).toBe(400);
    const unknown = await w.client.post(`${w.base}/nope/restore`, { scope: 'workspace' });
    expect(unknown.status).toBe(404);
  });
});
