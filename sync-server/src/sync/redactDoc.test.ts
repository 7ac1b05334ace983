import { describe, expect, it } from 'vitest';
import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import { CONTENT_DISABLED_MARKER, entryItemKey, docItemKey } from '@desk/protocol';
import { TicketDoc, WorkspaceIndex } from '@desk/model';
import { redactionPlanOf } from '../moderation/redactionPlans.ts';
import { redactedCopy, updateVerdict } from './redactDoc.ts';
import { RoomRedaction } from './RoomRedaction.ts';
import { LargeDocState } from './LargeDocState.ts';
import { DocRoom } from './DocRoom.ts';
import type { ConnectionLink } from './ConnectionLink.ts';
import type { DocSubscription } from './DocSubscription.ts';
import { HeavyYjs } from '../offthread/HeavyYjs.ts';
import { heavyWorkerCode } from '../worker/heavyWorkerCode.ts';
import { createLogger } from '../log/logger.ts';
import { redactOps } from './redactOps.ts';

const ws = 'ws1';
const ticketDocId = `${ws}:ticket:t1`;
const alice = { id: 'u1', name: 'Alice' };
const SECRET = 'the secret text nobody may read';

function bytesHold(bytes: Uint8Array, text: string): boolean {
  return Buffer.from(bytes).includes(Buffer.from(text, 'utf8'));
}

function ticketWithComments(): { doc: Y.Doc; ticket: TicketDoc } {
  const doc = new Y.Doc();
  const ticket = new TicketDoc(doc);
  ticket.addComment({ id: 'c1', kind: 'reply', body: SECRET, mentions: ['u2'] }, alice, 1);
  ticket.editComment('c1', `${SECRET} (edited)`, alice, 2);
  ticket.addComment({ id: 'c2', kind: 'note', body: 'a fine note' }, alice, 3);
  return { doc, ticket };
}

const commentPlan = redactionPlanOf(ticketDocId, [{ itemKey: entryItemKey(ticketDocId, 'c1') }])!;

describe('a redacted copy of a document with a disabled comment', () => {
  it('holds none of its text, in its body, history or mentions', () => {
    const { doc } = ticketWithComments();
    const copy = redactedCopy(doc, commentPlan);
    const bytes = Y.encodeStateAsUpdate(copy);
    expect(bytesHold(Y.encodeStateAsUpdate(doc), SECRET)).toBe(true);
    expect(bytesHold(bytes, SECRET)).toBe(false);
    const c1 = new TicketDoc(copy).getComment('c1')!;
    expect(c1.body).toBe(CONTENT_DISABLED_MARKER);
    expect(c1.history.map((v) => v.body)).toEqual([CONTENT_DISABLED_MARKER]);
    expect(c1.mentions).toEqual([]);
  });

  it('keeps the layout fields and every other comment as they are', () => {
    const { doc } = ticketWithComments();
    const c1 = new TicketDoc(redactedCopy(doc, commentPlan)).getComment('c1')!;
    expect([c1.kind, c1.authorId, c1.authorName, c1.createdAt, c1.editedAt]).toEqual([
      'reply',
      'u1',
      'Alice',
      1,
      2,
    ]);
    expect(new TicketDoc(redactedCopy(doc, commentPlan)).getComment('c2')!.body).toBe(
      'a fine note',
    );
  });

  it('has the same state vector, so later updates of the real doc still apply to it', () => {
    const { doc, ticket } = ticketWithComments();
    const copy = redactedCopy(doc, commentPlan);
    expect(Y.encodeStateVector(copy)).toEqual(Y.encodeStateVector(doc));
    const before = Y.encodeStateVector(doc);
    ticket.addComment({ id: 'c3', kind: 'reply', body: 'later' }, alice, 4);
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc, before));
    expect(new TicketDoc(copy).getComment('c3')!.body).toBe('later');
    expect(copy.store.pendingStructs).toBeNull();
  });
});

describe('where an update lands', () => {
  function change(doc: Y.Doc, edit: (ticket: TicketDoc) => void): Uint8Array {
    const replica = new Y.Doc();
    Y.applyUpdate(replica, Y.encodeStateAsUpdate(doc));
    const before = Y.encodeStateVector(replica);
    edit(new TicketDoc(replica));
    return Y.encodeStateAsUpdate(replica, before);
  }

  it('an edit of the disabled comment touches it and carries text', () => {
    const { doc } = ticketWithComments();
    const update = change(doc, (t) => t.editComment('c1', 'new words', alice, 5));
    expect(updateVerdict(doc, update, commentPlan)).toEqual({ touches: true, carries: true });
  });

  it('a new value at the disabled key (a new map with a body) touches it', () => {
    const { doc } = ticketWithComments();
    const update = change(doc, (t) => {
      const entry = new Y.Map<unknown>();
      entry.set('body', 'replacement');
      t.comments.set('c1', entry);
    });
    expect(updateVerdict(doc, update, commentPlan).touches).toBe(true);
    expect(updateVerdict(doc, update, commentPlan).carries).toBe(true);
  });

  it('an edit of another comment, and removing the disabled one, do not', () => {
    const { doc } = ticketWithComments();
    const other = change(doc, (t) => t.editComment('c2', 'edited note', alice, 5));
    expect(updateVerdict(doc, other, commentPlan)).toEqual({ touches: false, carries: false });
    const removal = change(doc, (t) => t.comments.delete('c1'));
    expect(updateVerdict(doc, removal, commentPlan)).toEqual({ touches: false, carries: false });
  });

  it('is told the same once the update is applied (a broadcast)', () => {
    const { doc } = ticketWithComments();
    const update = change(doc, (t) => t.editComment('c1', 'new words', alice, 5));
    Y.applyUpdate(doc, update);
    expect(updateVerdict(doc, update, commentPlan)).toEqual({ touches: true, carries: true });
  });
});

describe('RoomRedaction', () => {
  it('serves later text written into a disabled entry redacted, from the clocks it starts at', () => {
    const { doc } = ticketWithComments();
    const redaction = new RoomRedaction(doc);
    redaction.copy(commentPlan, 0);
    const before = Y.encodeStateVector(doc);
    // A server-side write (e.g. a restore) into the disabled comment.
    const update = (() => {
      const replica = new Y.Doc();
      Y.applyUpdate(replica, Y.encodeStateAsUpdate(doc));
      const sv = Y.encodeStateVector(replica);
      new TicketDoc(replica).editComment('c1', 'restored secret words', alice, 6);
      return Y.encodeStateAsUpdate(replica, sv);
    })();
    Y.applyUpdate(doc, update);
    const redacted = redaction.update(commentPlan, 1, [update]);
    expect(bytesHold(redacted, 'restored secret words')).toBe(false);
    // A member that had the doc before gets the update's structs from it (redacted).
    const member = new Y.Doc();
    Y.applyUpdate(member, Y.encodeStateAsUpdate(redactedCopy(doc, commentPlan), before));
    Y.applyUpdate(member, Y.encodeStateAsUpdate(redactedCopy(doc, commentPlan)));
    Y.applyUpdate(member, redacted);
    expect(new TicketDoc(member).getComment('c1')!.body).toBe(CONTENT_DISABLED_MARKER);
    expect(bytesHold(Y.encodeStateAsUpdate(redaction.copy(commentPlan, 1)), 'restored')).toBe(
      false,
    );
  });
});

describe('the index of a workspace with a disabled ticket', () => {
  it('serves its row without title, tags or requester, and mentions of it without excerpt', () => {
    const doc = new Y.Doc();
    const index = new WorkspaceIndex(doc);
    index.tickets.create(
      {
        id: 't1',
        title: 'A forbidden title',
        number: 7,
        tags: ['forbidden-tag'],
        requester: { name: 'Req Name', email: 'req@example.com' },
      },
      alice,
      1,
    );
    index.tickets.create({ id: 't2', title: 'Fine title', number: 8 }, alice, 1);
    index.mentions.add({
      id: 'c9:u2',
      userId: 'u2',
      byId: 'u1',
      byName: 'Alice',
      at: 1,
      place: { kind: 'ticket', ticketId: 't1', commentId: 'c9' },
      excerpt: 'forbidden excerpt',
    });
    const plan = redactionPlanOf(`${ws}:index`, [{ itemKey: docItemKey(ticketDocId) }])!;
    const copy = redactedCopy(doc, plan);
    const bytes = Y.encodeStateAsUpdate(copy);
    for (const text of ['A forbidden title', 'forbidden-tag', 'Req Name', 'forbidden excerpt']) {
      expect(bytesHold(bytes, text)).toBe(false);
    }
    const row = new WorkspaceIndex(copy).tickets.get('t1')!;
    expect([row.title, row.number, row.tags]).toEqual([CONTENT_DISABLED_MARKER, 7, []]);
    expect(new WorkspaceIndex(copy).tickets.get('t2')!.title).toBe('Fine title');
    expect(new WorkspaceIndex(copy).mentions.forUser('u2')[0]!.place).toEqual({
      kind: 'ticket',
      ticketId: 't1',
      commentId: 'c9',
    });
  });
});

describe('a large document’s redacted answer (the worker’s operation)', () => {
  it('is built from the stored parts, redacted, as a sync step 2 against the state vector', () => {
    const { doc } = ticketWithComments();
    const parts = [Y.encodeStateAsUpdate(doc)];
    const message = redactOps.redactedSyncStep2(parts, new Uint8Array([0]), commentPlan);
    expect(bytesHold(message, SECRET)).toBe(false);
    const decoder = decoding.createDecoder(message);
    expect([decoding.readVarUint(decoder), decoding.readVarUint(decoder)]).toEqual([0, 1]);
    const member = new Y.Doc();
    Y.applyUpdate(member, decoding.readVarUint8Array(decoder));
    expect(new TicketDoc(member).getComment('c1')!.body).toBe(CONTENT_DISABLED_MARKER);
    expect(new TicketDoc(member).getComment('c2')!.body).toBe('a fine note');
  });
});

describe('a large document (bytes, no Y.Doc) with a disabled comment', () => {
  it('answers from a redacted state built on the worker, rebuilt once the document changes', async () => {
    const heavy = new HeavyYjs(createLogger('silent'), heavyWorkerCode, 0);
    try {
      const { doc } = ticketWithComments();
      const large = new LargeDocState([Y.encodeStateAsUpdate(doc)], heavy);
      await large.ready;
      const first = await large.redactedSyncStep2(new Uint8Array([0]), commentPlan);
      expect(bytesHold(first, SECRET)).toBe(false);
      const again = await large.redactedSyncStep2(new Uint8Array([0]), commentPlan);
      expect(Buffer.from(again).equals(Buffer.from(first))).toBe(true);
      expect(heavy.runs('redactedState', 'worker')).toBe(1);

      // A server-side write into the disabled comment (a restore): stored, then served redacted.
      const replica = new Y.Doc();
      Y.applyUpdate(replica, Y.encodeStateAsUpdate(doc));
      const sv = Y.encodeStateVector(replica);
      new TicketDoc(replica).editComment('c1', 'restored secret words', alice, 9);
      large.append(Y.encodeStateAsUpdate(replica, sv), 1);
      const after = await large.redactedSyncStep2(sv, commentPlan);
      expect(bytesHold(after, 'restored secret words')).toBe(false);
      expect(heavy.runs('redactedState', 'worker')).toBe(2);
      const member = new Y.Doc();
      Y.applyUpdate(member, Y.encodeStateAsUpdate(redactedCopy(doc, commentPlan)));
      const decoder = decoding.createDecoder(after);
      decoding.readVarUint(decoder);
      decoding.readVarUint(decoder);
      Y.applyUpdate(member, decoding.readVarUint8Array(decoder));
      expect(new TicketDoc(member).getComment('c1')!.editedAt).toBe(9);
      expect(new TicketDoc(member).getComment('c1')!.body).toBe(CONTENT_DISABLED_MARKER);
    } finally {
      await heavy.close();
    }
  });
});

describe('writes into a disabled entry of a large document', () => {
  it('are told apart from other writes once its redacted state was built', async () => {
    const heavy = new HeavyYjs(createLogger('silent'), heavyWorkerCode, 0);
    try {
      const { doc } = ticketWithComments();
      const large = new LargeDocState([Y.encodeStateAsUpdate(doc)], heavy);
      await large.ready;
      const change = (edit: (ticket: TicketDoc) => void): Uint8Array => {
        const replica = new Y.Doc();
        Y.applyUpdate(replica, Y.encodeStateAsUpdate(doc));
        const sv = Y.encodeStateVector(replica);
        edit(new TicketDoc(replica));
        return Y.encodeStateAsUpdate(replica, sv);
      };
      const intoDisabled = change((t) => t.editComment('c1', 'new words', alice, 5));
      // Not known before the first build (which this starts).
      expect(large.touchesDisabled(intoDisabled, commentPlan)).toBeNull();
      await large.redactedSyncStep2(new Uint8Array([0]), commentPlan);
      expect(large.touchesDisabled(intoDisabled, commentPlan)).toBe(true);
      const other = change((t) => t.editComment('c2', 'edited note', alice, 5));
      expect(large.touchesDisabled(other, commentPlan)).toBe(false);
      const removal = change((t) => t.comments.delete('c1'));
      expect(large.touchesDisabled(removal, commentPlan)).toBe(false);
      const overwrite = change((t) => t.comments.set('c1', new Y.Map()));
      expect(large.touchesDisabled(overwrite, commentPlan)).toBe(true);
    } finally {
      await heavy.close();
    }
  });
});

/**
 * A large (bytes-only) ticket room under `commentPlan` with one member whose connection runs
 * its catch-ups at once and keeps what it was sent; the worker is closed after `body`.
 */
async function withLargeRoom(
  body: (room: { doc: Y.Doc; room: DocRoom; sent: Promise<Uint8Array>[] }) => Promise<void>,
): Promise<void> {
  const heavy = new HeavyYjs(createLogger('silent'), heavyWorkerCode, 0);
  try {
    const { doc } = ticketWithComments();
    const large = new LargeDocState([Y.encodeStateAsUpdate(doc)], heavy);
    await large.ready;
    const room = new DocRoom(
      ticketDocId,
      ws,
      large,
      { lastLogId: 0, logCount: 0, logBytes: 0, storedBytes: 0 },
      () => 0,
    );
    room.planSource = () => commentPlan;
    const sent: Promise<Uint8Array>[] = [];
    const link = {
      framed: false,
      send: (bytes: Uint8Array) => sent.push(Promise.resolve(bytes)),
      sendCatchUp: (_s: DocSubscription, produce: () => Uint8Array | Promise<Uint8Array>) =>
        sent.push(Promise.resolve(produce())),
    } as unknown as ConnectionLink;
    room.add({ connection: link } as DocSubscription);
    await body({ doc, room, sent });
  } finally {
    await heavy.close();
  }
}

describe('a large room’s broadcast of text written into a disabled entry', () => {
  it('reaches each member as a catch-up from the redacted state, never as it is', async () => {
    await withLargeRoom(async ({ doc, room, sent }) => {
      await room.memberSyncStep2(new Uint8Array([0])); // its first sync finds the entries

      const replica = new Y.Doc();
      Y.applyUpdate(replica, Y.encodeStateAsUpdate(doc));
      const sv = Y.encodeStateVector(replica);
      new TicketDoc(replica).editComment('c1', 'restored secret words', alice, 9);
      const update = Y.encodeStateAsUpdate(replica, sv);
      room.apply(update, null, 1);
      expect(room.broadcastRedacted([update])).toBe(true);
      const frames = await Promise.all(sent);
      expect(frames).toHaveLength(1);
      expect(bytesHold(frames[0]!, 'restored secret words')).toBe(false);

      // An update elsewhere in the doc is broadcast as it is.
      const sv2 = Y.encodeStateVector(replica);
      new TicketDoc(replica).editComment('c2', 'another note', alice, 10);
      const other = Y.encodeStateAsUpdate(replica, sv2);
      room.apply(other, null, 2);
      expect(room.broadcastRedacted([other])).toBe(false);
    });
  });

  it('is redacted also before the first build has found where the entries are', async () => {
    await withLargeRoom(async ({ doc, room, sent }) => {
      // The member synced before the comment was disabled: no redacted build yet.
      const replica = new Y.Doc();
      Y.applyUpdate(replica, Y.encodeStateAsUpdate(doc));
      const sv = Y.encodeStateVector(replica);
      new TicketDoc(replica).editComment('c1', 'written in the first moment', alice, 9);
      const update = Y.encodeStateAsUpdate(replica, sv);
      room.apply(update, null, 1);
      expect(room.broadcastRedacted([update])).toBe(true);
      const frames = await Promise.all(sent);
      expect(frames).toHaveLength(1);
      expect(bytesHold(frames[0]!, 'written in the first moment')).toBe(false);
    });
  });
});
