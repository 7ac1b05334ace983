import { docIds } from '@desk/model';
import { blobItemKey, contentDisabledWords, DocErrorCode } from '@desk/protocol';
import { until } from '@desk/protocol/testing';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { openDeskWorkspace } from '../../testing/deskWorkspace.ts';
import { TicketPageState } from './TicketPageState.svelte.ts';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

/** A started desk with one ticket, open on its page once the local copy is loaded. */
async function openTicket() {
  const { desk, source } = await openDeskWorkspace();
  cleanups.push(() => desk.destroy());
  const { id } = desk.createTicket({ title: 'Printer jammed' });
  const page = new TicketPageState(desk, id);
  cleanups.push(() => page.destroy());
  await page.handle.whenLoaded;
  return { desk, source, page, id };
}

describe('TicketPageState', () => {
  it('is loaded once the local copy is, with the record and its creation in the history', async () => {
    const { page } = await openTicket();
    expect(page.loaded).toBe(true);
    expect(page.record?.title).toBe('Printer jammed');
    expect(page.activity.length).toBeGreaterThan(0);
  });

  it('follows the index when the ticket changes elsewhere', async () => {
    const { desk, page, id } = await openTicket();
    desk.withTicketDoc(id, () => desk.index.tickets.update(id, { priority: 'urgent' }, 1));
    expect(page.record?.priority).toBe('urgent');
  });

  it('posts a comment into the thread once, however often the same draft is sent', async () => {
    const { page } = await openTicket();
    const commentId = page.newCommentId();
    expect(page.post(commentId, 'reply', 'Have you tried turning it off?', [], [])).toBe(true);
    expect(page.post(commentId, 'reply', 'Have you tried turning it off?', [], [])).toBe(true);
    expect(page.comments.map((c) => c.body)).toEqual(['Have you tried turning it off?']);
  });

  it('never attaches again a file whose access the operator disabled (terms §4), in a comment or on the ticket', async () => {
    const { desk, page } = await openTicket();
    const file = (sha256: string, name: string) => ({
      id: `f-${name}`,
      sha256,
      name,
      type: 'image/jpeg',
      size: 10,
      uploadedBy: 'u1',
      uploadedAt: 1,
    });
    const off = file('b'.repeat(64), 'photo.jpg');
    const fine = file('a'.repeat(64), 'invoice.pdf');
    desk.disabled.apply([{ itemKey: blobItemKey(off.sha256), reason: 'IP notice 42' }]);
    expect(page.post(page.newCommentId(), 'reply', 'Here it is again', [], [fine, off])).toBe(
      false,
    );
    expect(page.error).toContain('“photo.jpg” cannot be attached');
    expect(page.error).toContain(contentDisabledWords('IP notice 42'));
    expect(page.comments).toEqual([]);
    expect(page.addAttachment(off)).toBe(false);
    expect(page.attachments).toEqual([]);
    // The other file goes; and once re-enabled, so does this one.
    expect(page.post(page.newCommentId(), 'reply', 'Only the invoice', [], [fine])).toBe(true);
    desk.disabled.apply([]);
    expect(page.addAttachment(off)).toBe(true);
    expect(page.attachments.map((a) => a.name)).toEqual(['photo.jpg']);
  });

  it('says why a change the model refuses was not made, and clears it on the next success', async () => {
    const { page } = await openTicket();
    expect(page.update({ title: '' })).toBe(false);
    expect(page.error).not.toBeNull();
    expect(page.record?.title).toBe('Printer jammed');
    expect(page.update({ title: 'Printer on floor 2 jammed' })).toBe(true);
    expect(page.error).toBeNull();
    expect(page.record?.title).toBe('Printer on floor 2 jammed');
  });

  it('LIMIT-3 refuses first a change past the document-size limit the server announced, in words; deleting still works', async () => {
    const { page } = await openTicket();
    const kept = page.newCommentId();
    expect(page.post(kept, 'reply', 'First answer', [], [])).toBe(true);
    // The server announced this ticket's limit (`subscribed`): what the ticket holds now,
    // plus a little, so a short reply fits and a long one does not.
    const size = Y.encodeStateAsUpdate(page.handle.doc).byteLength;
    Object.defineProperty(page.handle, 'limits', {
      value: { maxDocBytes: size + 600, maxTickets: null, messagesPerMinute: null },
    });
    expect(page.post(page.newCommentId(), 'reply', 'Short', [], [])).toBe(true);
    expect(page.post(page.newCommentId(), 'reply', 'x'.repeat(700), [], [])).toBe(false);
    expect(page.error).toMatch(
      /^This ticket has reached the size limit of the plan .*Your text is kept here/,
    );
    expect(page.comments.map((c) => c.body)).toEqual(['First answer', 'Short']);
    expect(page.setCommentDeleted(kept, true)).toBe(true);
    expect(page.error).toBeNull();
  });

  it('refuses every change once access to the workspace is lost, and changes nothing', async () => {
    const { desk, source, page } = await openTicket();
    source.refuse(docIds.index(desk.workspace!.id), DocErrorCode.readOnlyRole);
    expect(page.canWrite).toBe(false);
    expect(page.post(page.newCommentId(), 'reply', 'Too late', [], [])).toBe(false);
    expect(page.setDeleted(true)).toBe(false);
    expect(page.error).toMatch(/read-only/);
    expect(page.comments).toEqual([]);
    expect(page.record?.deleted).toBe(false);
  });

  it('tells the others who is viewing the ticket, and stops when the page closes', async () => {
    const { desk } = await openDeskWorkspace();
    cleanups.push(() => desk.destroy());
    const { id } = desk.createTicket({ title: 'Printer jammed' });
    // The index's awareness, shared by every handle on the index doc (what others receive).
    const index = desk.source.open(docIds.index(desk.workspace!.id));
    cleanups.push(() => index.release());
    const viewing = () => index.awareness.getLocalState()?.['viewing'];
    const page = new TicketPageState(desk, id);
    expect(viewing()).toBe(id);
    page.destroy();
    expect(viewing()).toBeNull();
  });

  describe('a ticket not on this device (partial replication, issue 15)', () => {
    /** A ticket only the server has: its index record is here, its document is not. */
    async function openRemoteTicket() {
      const { desk, source } = await openDeskWorkspace();
      cleanups.push(() => desk.destroy());
      source.held = new Set();
      const id = 'remote0000000000000a';
      desk.index.tickets.create({ id, title: 'Old VPN issue', number: 7 }, desk.actor, 1);
      const page = new TicketPageState(desk, id);
      cleanups.push(() => page.destroy());
      await page.handle.whenLoaded;
      await until(
        () => page.availability !== 'here' && page.availability !== 'checking',
        'the page knows the ticket is not here',
      );
      return { desk, source, page, id, docId: docIds.ticket(desk.workspace!.id, id) };
    }

    it('is neither shown nor writable while the local copy is still being read', async () => {
      const { desk, source } = await openDeskWorkspace();
      cleanups.push(() => desk.destroy());
      source.held = new Set();
      const id = 'remote0000000000000b';
      desk.index.tickets.create({ id, title: 'Old VPN issue', number: 8 }, desk.actor, 1);
      const page = new TicketPageState(desk, id);
      cleanups.push(() => page.destroy());
      // Not yet known whether this device holds it: a view shown now would give way to
      // "loading" a moment later, taking a chosen file or typed text with it.
      expect(page.availability).toBe('checking');
      expect(page.canWrite).toBe(false);
      expect(page.post(page.newCommentId(), 'reply', 'Too early', [], [])).toBe(false);
      expect(page.error).toMatch(/still opening/);
      await until(() => page.availability !== 'checking', 'the ledger answered');
      expect(page.availability).toBe('fetching');
    });

    it('is fetched when opened online: loading, then the server’s copy, kept from then on', async () => {
      const { source, page, docId } = await openRemoteTicket();
      source.emitStatus({ kind: 'syncing', pendingUpdates: 0 });
      expect(page.availability).toBe('fetching');
      expect(page.canWrite).toBe(false);
      expect(page.post(page.newCommentId(), 'reply', 'Too early', [], [])).toBe(false);
      expect(page.error).toMatch(/not on this device yet/);

      // The server's copy arrives.
      page.ticket.addComment(
        {
          id: 'c1',
          kind: 'reply',
          body: 'Fixed by the new profile',
          mentions: [],
          attachments: [],
        },
        { id: 'u-bo', name: 'Bo' },
        2,
      );
      source.synced(docId);
      await until(() => page.availability === 'here', 'the ticket is here once synced');
      expect(page.canWrite).toBe(true);
      expect(source.held?.has(docId)).toBe(true);
    });

    it('says it is not on this device while offline, instead of showing an empty ticket', async () => {
      const { source, page } = await openRemoteTicket();
      source.emitStatus({ kind: 'offline', pendingUpdates: 0 });
      expect(page.availability).toBe('absent');
      expect(page.record?.title).toBe('Old VPN issue');
      expect(page.canWrite).toBe(false);
      // Nothing is written to the empty copy (no schema stamp the server could refuse).
      expect(page.handle.doc.store.clients.size).toBe(0);
    });

    it('counts a ticket created on this device as here, whatever the ledger says', async () => {
      const { desk, source } = await openDeskWorkspace();
      cleanups.push(() => desk.destroy());
      source.held = new Set();
      source.emitStatus({ kind: 'offline', pendingUpdates: 0 });
      const { id } = desk.createTicket({ title: 'Made offline' });
      const page = new TicketPageState(desk, id);
      cleanups.push(() => page.destroy());
      await page.handle.whenLoaded;
      await until(() => page.held !== null, 'the page knows whether the ticket is here');
      expect(page.held).toBe(true);
      expect(page.availability).toBe('here');
    });
  });
});
