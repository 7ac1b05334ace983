import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { RestoreResponse, SnapshotSummary, UndoRestoreResponse } from '@desk/protocol';
import type { AuthTestServer } from '../../../sync-server/src/testing/authTestServer.ts';
import {
  contentNow,
  createTicket,
  editDoc,
  paragraph,
  setTicketField,
  ticketRow,
} from '../../../sync-server/src/testing/snapshotTestSupport.ts';
import { addMember } from '../../../sync-server/src/testing/workspaceTestSupport.ts';
import { makeTempDir } from '../../support/tempDir.ts';
import {
  contentKey,
  CuttableClient,
  ownerWithToken,
  startDeskServer,
  until,
} from './deskTestServer.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A real server, its owner, and an agent whose sync client the test can take offline. */
async function setup() {
  const temp = makeTempDir('desk-undo-');
  cleanups.push(() => temp.remove());
  const t: AuthTestServer = await startDeskServer(temp.dir);
  cleanups.push(() => t.close());
  const owner = await ownerWithToken(t);
  const ws = owner.workspaceId;
  const agent = await addMember(t, owner.client, owner.slug, `agent-${owner.slug}@example.com`);
  const token = await agent.client.post<{ token: string }>('/api/auth/tokens', {
    name: 'agent laptop',
    workspaceId: ws,
  });
  expect(token.status, JSON.stringify(token.body)).toBe(201);
  const member = new CuttableClient(() => t.server.url, token.body.token);
  cleanups.push(() => member.client.close());
  const sync = t.server.sync;
  const ids = {
    index: `${ws}:index`,
    ticket: (id: string) => `${ws}:ticket:${id}`,
  };
  const base = `/api/workspaces/${owner.slug}/snapshots`;

  /** Opens docs on the member's client and waits until they hold what the server holds. */
  const memberOpens = async (...docIds: string[]) => {
    const handles = docIds.map((docId) => member.client.open(docId));
    await caughtUp(handles, docIds);
    return handles;
  };
  const caughtUp = (handles: ReturnType<SyncClientLike['open']>[], docIds: string[]) =>
    until(async () => {
      for (const [i, handle] of handles.entries()) {
        if (handle.pending > 0) return false;
        if (contentKey(handle.doc) !== (await contentNow(sync, docIds[i]!))) return false;
      }
      return true;
    }, 'the member’s client to hold what the server holds');

  const snapshot = async (label: string) => {
    const res = await owner.client.post<{ snapshot: SnapshotSummary }>(base, { label });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.snapshot;
  };
  const restore = async (snapshotId: string, body: Record<string, string>) => {
    const res = await owner.client.post<RestoreResponse>(`${base}/${snapshotId}/restore`, body);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  };
  const undo = async (preRestoreSnapshotId: string) => {
    const res = await owner.client.post<UndoRestoreResponse>(
      `${base}/${preRestoreSnapshotId}/undo`,
      {},
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  };
  return { t, ws, sync, ids, member, memberOpens, caughtUp, snapshot, restore, undo };
}

type SyncClientLike = CuttableClient['client'];

function row(doc: Y.Doc, id: string): Y.Map<unknown> {
  return doc.getMap('tickets').get(id) as Y.Map<unknown>;
}

function appendParagraph(doc: Y.Doc, text: string): void {
  const description = doc.getXmlFragment('description');
  description.insert(description.length, [paragraph(text)]);
}

describe('undoing a restore keeps the work that arrived after it', () => {
  it('puts back only what a workspace restore changed, keeps an offline member’s later edits, and reports what it left alone', async () => {
    const { sync, ws, ids, member, memberOpens, caughtUp, snapshot, restore, undo } = await setup();
    await createTicket(sync, ws, 't1', 'Printer on fire', 1);
    await createTicket(sync, ws, 't2', 'Coffee machine', 2);
    await createTicket(sync, ws, 't3', 'VPN drops', 3);
    const good = await snapshot('before the mess');

    // Work after the snapshot, which the restore will roll back.
    await setTicketField(sync, ws, 't1', 'status', 'solved');
    await editDoc(sync, ids.ticket('t1'), (doc) => appendParagraph(doc, 'Fixed it myself'));
    await setTicketField(sync, ws, 't3', 'title', 'VPN fixed');
    await createTicket(sync, ws, 't4', 'Created later', 4);

    // The member has everything, then loses the network and keeps working.
    const [index, t1, t2] = await memberOpens(ids.index, ids.ticket('t1'), ids.ticket('t2'));
    member.offline();
    row(index!.doc, 't2').set('priority', 'urgent'); // a ticket the restore never touches
    appendParagraph(t2!.doc, 'Replaced the filter');
    row(index!.doc, 't1').set('priority', 'high'); // a field of t1 the restore leaves alone
    appendParagraph(t1!.doc, 'Ordered a new fuser'); // a part of t1 the restore changes

    const preRestore = {
      t3: await ticketRow(sync, ws, 't3'),
      t4: await ticketRow(sync, ws, 't4'),
      t4Doc: await contentNow(sync, ids.ticket('t4')),
    };
    const restored = await restore(good.id, { scope: 'workspace' });
    expect(await ticketRow(sync, ws, 't4')).toBeNull();

    // The member's edits arrive after the restore.
    member.online();
    await caughtUp([index!, t1!, t2!], [ids.index, ids.ticket('t1'), ids.ticket('t2')]);
    expect((await ticketRow(sync, ws, 't2'))?.priority).toBe('urgent');

    const report = await undo(restored.preRestoreSnapshotId);

    // The member's later work survives the undo.
    expect((await ticketRow(sync, ws, 't2'))?.priority).toBe('urgent');
    expect(await contentNow(sync, ids.ticket('t2'))).toContain('Replaced the filter');
    expect((await ticketRow(sync, ws, 't1'))?.priority).toBe('high');
    // What the restore changed and nobody touched since is back as it was before it.
    expect((await ticketRow(sync, ws, 't1'))?.status).toBe('solved');
    expect(await ticketRow(sync, ws, 't3')).toEqual(preRestore.t3);
    expect(await ticketRow(sync, ws, 't4')).toEqual(preRestore.t4);
    expect(await contentNow(sync, ids.ticket('t4'))).toBe(preRestore.t4Doc);
    // t1's description was restored and then edited by the member: the later edit wins.
    const t1Description = await contentNow(sync, ids.ticket('t1'));
    expect(t1Description).toContain('Ordered a new fuser');
    expect(t1Description).not.toContain('Fixed it myself');

    expect(report.leftAlone).toEqual([
      expect.objectContaining({
        kind: 'ticket',
        id: 't1',
        title: 'Printer on fire',
        parts: ['description'],
        reason: 'changed_since_restore',
      }),
    ]);
    const undone = Object.fromEntries(report.undone.map((e) => [e.id, e.parts]));
    expect(undone).toEqual({
      t1: ['status'],
      t3: ['title'],
      t4: expect.arrayContaining(['entry']),
    });
    expect(report.undone.find((e) => e.id === 't3')?.title).toBe('VPN fixed');

    // The member's replica converges on the result without reloading.
    await caughtUp([index!, t1!, t2!], [ids.index, ids.ticket('t1'), ids.ticket('t2')]);
  });

  it('undoes a single-ticket restore field by field, keeping the member’s later edits to that ticket', async () => {
    const { sync, ws, ids, member, memberOpens, caughtUp, snapshot, restore, undo } = await setup();
    await createTicket(sync, ws, 't1', 'Printer on fire', 1);
    await createTicket(sync, ws, 't2', 'Coffee machine', 2);
    const good = await snapshot('before the mess');

    await setTicketField(sync, ws, 't1', 'status', 'solved');
    await setTicketField(sync, ws, 't1', 'title', 'Printer fixed');
    await editDoc(sync, ids.ticket('t1'), (doc) => appendParagraph(doc, 'Fixed it myself'));

    const [index, t1] = await memberOpens(ids.index, ids.ticket('t1'));
    member.offline();
    row(index!.doc, 't1').set('priority', 'high');
    const comment = new Y.Map<unknown>();
    comment.set('body', 'Written offline');
    t1!.doc.getMap('comments').set('c-offline', comment);
    appendParagraph(t1!.doc, 'Ordered a new fuser'); // the description, which the restore changes

    const restored = await restore(good.id, { scope: 'ticket', ticketId: 't1' });
    expect(await ticketRow(sync, ws, 't1')).toMatchObject({
      status: 'open',
      title: 'Printer on fire',
    });
    await setTicketField(sync, ws, 't2', 'title', 'Renamed after the restore');

    member.online();
    await caughtUp([index!, t1!], [ids.index, ids.ticket('t1')]);

    const report = await undo(restored.preRestoreSnapshotId);

    // Undone where nobody changed it since; the member's edits and t2 stay as they are.
    expect(await ticketRow(sync, ws, 't1')).toMatchObject({
      status: 'solved',
      title: 'Printer fixed',
      priority: 'high',
    });
    const t1Doc = await contentNow(sync, ids.ticket('t1'));
    expect(t1Doc).toContain('Written offline');
    expect(t1Doc).toContain('Ordered a new fuser');
    expect(t1Doc).not.toContain('Fixed it myself'); // left as the restore made it, plus the edit
    expect((await ticketRow(sync, ws, 't2'))?.title).toBe('Renamed after the restore');
    expect(report.undone).toEqual([
      expect.objectContaining({ kind: 'ticket', id: 't1', parts: ['status', 'title'] }),
    ]);
    expect(report.leftAlone).toEqual([
      expect.objectContaining({
        kind: 'ticket',
        id: 't1',
        parts: ['description'],
        reason: 'changed_since_restore',
      }),
    ]);
    await caughtUp([index!, t1!], [ids.index, ids.ticket('t1')]);
  });
});
