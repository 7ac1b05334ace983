import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { ChannelDoc, TicketDoc, WorkspaceIndex } from '@desk/model';
import {
  contentDisabledWords,
  type SnapshotTicketResponse,
  type UndoRestoreResponse,
} from '@desk/protocol';
import {
  signUp,
  startAuthTestServer,
  type AuthTestServer,
  type TestClient,
} from '../testing/authTestServer.ts';
import { loginOperator } from '../testing/workspaceTestSupport.ts';
import {
  decide,
  report,
  seedWorkspace,
  type SeededWorkspace,
} from '../testing/moderationTestSupport.ts';
import { createLogger } from '../log/logger.ts';
import type { DisabledSet } from '../moderation/ModerationStore.ts';
import { HeavyYjs } from '../offthread/HeavyYjs.ts';
import { heavyWorkerCode } from '../worker/heavyWorkerCode.ts';
import { workspaceDocIds } from './SnapshotDocs.ts';
import { SnapshotService } from './SnapshotService.ts';
import { snapshotSyncOf } from './SnapshotSync.ts';
import { sqliteWorkspaceReader } from './SqliteWorkspaceReader.ts';
import { asyncReaderOf } from './WorkspaceReader.ts';

let t: AuthTestServer;
let operator: { client: TestClient; userId: string };
let owner: Awaited<ReturnType<typeof signUp>>;
let seeded: SeededWorkspace;

beforeAll(async () => {
  t = await startAuthTestServer({ SNAPSHOT_INTERVAL_MINUTES: '0', BACKUP_INTERVAL_HOURS: '0' });
  operator = await loginOperator(t);
  owner = await signUp(t);
  seeded = await seedWorkspace(t, owner);
});
afterAll(() => t.close());

/** The stored bytes of a document (state and log), to compare before and after. */
function bytes(docId: string): Buffer {
  const stored = t.server.services.docStore.load(docId)!;
  return Buffer.concat([stored.state ?? Buffer.alloc(0), ...stored.log]);
}

/** The document as stored now. */
function docNow(docId: string): Y.Doc {
  const stored = t.server.services.docStore.load(docId)!;
  const doc = new Y.Doc();
  for (const update of [stored.state, ...stored.log]) if (update) Y.applyUpdate(doc, update);
  return doc;
}

/** A change to the stored document, written through the sync engine as a member's would be. */
async function change(docId: string, edit: (doc: Y.Doc) => void): Promise<void> {
  const doc = docNow(docId);
  const before = Y.encodeStateVector(doc);
  edit(doc);
  await t.server.sync.applyServerUpdate(docId, Y.encodeStateAsUpdate(doc, before));
}

const actor = () => ({ id: owner.userId, name: 'Owner' });

async function disable(item: Parameters<typeof report>[2], reason: string): Promise<void> {
  const res = await report(owner.client, owner.slug, item);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  await decide(operator.client, res.body.report.caseId, 'disable', reason);
}

describe('MOD-4 undoing a restore leaves content disabled since as it is', () => {
  it('puts back the rest, leaves the disabled ticket, its index row and a disabled comment, and says so in words', async () => {
    const base = `/api/workspaces/${owner.slug}/snapshots`;
    const taken = await owner.client.post<{ snapshot: { id: string } }>(base, { label: 'S' });
    expect(taken.status).toBe(201);
    const indexId = workspaceDocIds.index(owner.workspaceId);

    // After the snapshot: tk1's title and text change, tk2's comment is edited and it gets a field.
    await change(indexId, (doc) => {
      new WorkspaceIndex(doc).tickets.update('tk1', { title: 'Printer still on fire' }, 2);
    });
    await change(seeded.ticketDoc, (doc) => doc.getMap('extra').set('after', 'snapshot'));
    await change(seeded.otherTicketDoc, (doc) => {
      new TicketDoc(doc).editComment('c9', 'Edited after the snapshot', actor(), 3);
      doc.getMap('extra').set('after', 'snapshot');
    });

    // The restore (nothing is disabled yet) takes all of it back to the snapshot.
    const restored = await owner.client.post<{ preRestoreSnapshotId: string }>(
      `${base}/${taken.body.snapshot.id}/restore`,
      { scope: 'workspace' },
    );
    expect(restored.status, JSON.stringify(restored.body)).toBe(200);
    expect(docNow(seeded.ticketDoc).getMap('extra').has('after')).toBe(false);

    // Then the operator disables the first ticket and the second ticket's comment.
    await disable({ kind: 'ticket', docId: seeded.ticketDoc }, 'Copied manual');
    await disable({ kind: 'comment', docId: seeded.otherTicketDoc, itemId: 'c9' }, 'Slur');
    const ticketBefore = bytes(seeded.ticketDoc);
    const titleBefore = new WorkspaceIndex(docNow(indexId)).tickets.get('tk1')!.title;

    const undo = await owner.client.post<UndoRestoreResponse>(
      `${base}/${restored.body.preRestoreSnapshotId}/undo`,
    );
    expect(undo.status, JSON.stringify(undo.body)).toBe(200);

    // The disabled ticket's document and its index row are exactly as they were.
    expect(bytes(seeded.ticketDoc).equals(ticketBefore)).toBe(true);
    expect(new WorkspaceIndex(docNow(indexId)).tickets.get('tk1')!.title).toBe(titleBefore);
    // The other ticket's own change is back; its disabled comment keeps the restored text.
    const other = docNow(seeded.otherTicketDoc);
    expect(other.getMap('extra').get('after')).toBe('snapshot');
    expect(new TicketDoc(other).listComments().find((c) => c.id === 'c9')!.body).toBe('Fine words');

    const disabledLeft = undo.body.leftAlone.filter((e) => e.reason === 'content_disabled');
    expect(disabledLeft.map((e) => [e.kind, e.id, e.title])).toEqual(
      expect.arrayContaining([
        ['ticket', 'tk1', contentDisabledWords('Copied manual')],
        ['ticket', 'tk2', 'Password reset'],
      ]),
    );
    expect(undo.body.undone.map((e) => e.id)).toContain('tk2');
    // Nothing of the disabled ticket's title is in the report.
    expect(JSON.stringify(undo.body)).not.toContain('Printer');
  });
});

describe('MOD-4 a restore leaves disabled rows and entries as they are', () => {
  it('restores the rest of the index and of a ticket, not a disabled ticket’s row nor a disabled comment', async () => {
    // A workspace of its own: nothing of it is disabled before the snapshot.
    const other = await signUp(t);
    const seed = await seedWorkspace(t, other);
    const base = `/api/workspaces/${other.slug}/snapshots`;
    const taken = await other.client.post<{ snapshot: { id: string } }>(base, { label: 'S' });
    expect(taken.status).toBe(201);
    const indexId = workspaceDocIds.index(other.workspaceId);
    const me = { id: other.userId, name: 'Owner' };

    // After the snapshot: both tickets renamed, tk2's comment edited and a field added.
    await change(indexId, (doc) => {
      const index = new WorkspaceIndex(doc);
      index.tickets.update('tk1', { title: 'Printer still on fire' }, 2);
      index.tickets.update('tk2', { title: 'Password reset again' }, 2);
    });
    await change(seed.otherTicketDoc, (doc) => {
      new TicketDoc(doc).editComment('c9', 'Edited after the snapshot', me, 3);
      doc.getMap('extra').set('after', 'snapshot');
    });
    // The operator disables the first ticket and the second ticket's comment.
    const off = async (item: Parameters<typeof report>[2], reason: string) => {
      const res = await report(other.client, other.slug, item);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      await decide(operator.client, res.body.report.caseId, 'disable', reason);
    };
    await off({ kind: 'ticket', docId: seed.ticketDoc }, 'Copied manual');
    await off({ kind: 'comment', docId: seed.otherTicketDoc, itemId: 'c9' }, 'Slur');

    const restored = await other.client.post(`${base}/${taken.body.snapshot.id}/restore`, {
      scope: 'workspace',
    });
    expect(restored.status, JSON.stringify(restored.body)).toBe(200);

    const tickets = new WorkspaceIndex(docNow(indexId)).tickets;
    // The disabled ticket's row keeps what it is now; the other row is back to the snapshot.
    expect(tickets.get('tk1')!.title).toBe('Printer still on fire');
    expect(tickets.get('tk2')!.title).toBe('Password reset');
    const ticket = docNow(seed.otherTicketDoc);
    expect(ticket.getMap('extra').has('after')).toBe(false);
    expect(new TicketDoc(ticket).listComments().find((c) => c.id === 'c9')!.body).toBe(
      'Edited after the snapshot',
    );
  });
});

describe('MOD-6 a snapshot’s ticket view names a disabled file by the words', () => {
  it('shows the words instead of the name of an attached file whose access is disabled', async () => {
    const other = await signUp(t);
    const seed = await seedWorkspace(t, other);
    await change(seed.otherTicketDoc, (doc) => {
      const ref = {
        id: 'a1',
        sha256: seed.blob.sha256,
        name: 'salaries-2026.txt',
        type: 'text/plain',
        size: seed.blob.bytes.byteLength,
        uploadedBy: other.userId,
        uploadedAt: 4,
      };
      new TicketDoc(doc).addAttachment(ref, { id: other.userId, name: 'Owner' }, 4);
    });
    const base = `/api/workspaces/${other.slug}/snapshots`;
    const taken = await other.client.post<{ snapshot: { id: string } }>(base, { label: 'F' });
    expect(taken.status).toBe(201);
    const view = () =>
      other.client.get<SnapshotTicketResponse>(`${base}/${taken.body.snapshot.id}/tickets/tk2`);
    expect((await view()).body.attachments).toEqual([{ id: 'a1', name: 'salaries-2026.txt' }]);

    const res = await report(other.client, other.slug, {
      kind: 'attachment',
      blobId: seed.blob.sha256,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    await decide(operator.client, res.body.report.caseId, 'disable', 'Personal data');
    const shown = await view();
    expect(shown.status, JSON.stringify(shown.body)).toBe(200);
    expect(shown.body.attachments).toEqual([
      { id: 'a1', name: contentDisabledWords('Personal data') },
    ]);
    expect(JSON.stringify(shown.body)).not.toContain('salaries');
  });
});

describe('MOD-4 a decision taken while a restore runs', () => {
  it('holds for the documents the restore has not written yet (the set is asked before each one)', async () => {
    const member = await signUp(t);
    const docs = await seedWorkspace(t, member);
    const ws = member.workspaceId;
    const author = { id: member.userId, name: 'Owner' };
    // The server's service, but with the disabled set the test decides: empty while the
    // restore writes its first document (the channel: documents go in id order), then the
    // second ticket disabled — as another process of a cluster would decide meanwhile.
    let asked = 0;
    const otherKey = `doc:${docs.otherTicketDoc}`;
    const disabledSet = async (): Promise<DisabledSet> => {
      asked += 1;
      const entries = asked === 1 ? [] : [{ itemKey: otherKey, reason: 'Decided meanwhile' }];
      return {
        reasonOf: (key) => entries.find((e) => e.itemKey === key)?.reason ?? null,
        entries,
      };
    };
    const log = createLogger('silent');
    const service = new SnapshotService({
      control: t.server.services.control,
      log,
      now: () => t.clock.now,
      sync: snapshotSyncOf(t.server.sync),
      openReader: asyncReaderOf(sqliteWorkspaceReader(t.server.ctx.config.sqlitePath!)),
      heavy: new HeavyYjs(log, heavyWorkerCode),
      disabledSet,
    });
    try {
      const snapshot = await service.take(ws, {
        trigger: 'manual',
        authorUserId: member.userId,
        label: null,
      });
      await change(docs.channelDoc, (doc) =>
        new ChannelDoc(doc).post({ id: 'm2', body: 'After the snapshot' }, author, 5),
      );
      await change(docs.otherTicketDoc, (doc) =>
        new TicketDoc(doc).editComment('c9', 'Edited after the snapshot', author, 6),
      );
      const otherBefore = bytes(docs.otherTicketDoc);

      await service.restore(ws, snapshot.id, { kind: 'workspace' }, member.userId);
      expect(new ChannelDoc(docNow(docs.channelDoc)).list().map((m) => m.id)).toEqual(['m1']);
      expect(bytes(docs.otherTicketDoc).equals(otherBefore)).toBe(true);
    } finally {
      await service.heavy.close();
    }
  });
});
