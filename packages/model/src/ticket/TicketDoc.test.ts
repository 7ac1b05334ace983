import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { ModelError, ModelErrorCode } from '../ModelError.ts';
import { WorkspaceIndex } from '../workspace/WorkspaceIndex.ts';
import type { CommentKind } from './Comment.ts';
import { postComment, updateTicket } from './ticketActions.ts';
import { TicketDoc } from './TicketDoc.ts';

const ana = { id: 'ana', name: 'Ana' };
const bo = { id: 'bo', name: 'Bo' };

describe('TicketDoc', () => {
  it('adds a comment once even when the same send is retried', () => {
    const ticket = new TicketDoc(new Y.Doc());
    ticket.addComment({ id: 'c1', kind: 'reply', body: 'Hello' }, ana, 1);
    ticket.addComment({ id: 'c1', kind: 'reply', body: 'Hello' }, ana, 2);
    expect(ticket.listComments()).toHaveLength(1);
  });

  it('keeps public replies and internal notes apart', () => {
    const ticket = new TicketDoc(new Y.Doc());
    ticket.addComment({ id: 'c1', kind: 'reply', body: 'To the customer' }, ana, 1);
    ticket.addComment({ id: 'c2', kind: 'note', body: 'Between us' }, bo, 2);
    expect(ticket.listComments().map((c) => [c.kind, c.authorName])).toEqual([
      ['reply', 'Ana'],
      ['note', 'Bo'],
    ]);
  });

  it('refuses a comment kind outside CommentKind with a typed error and writes nothing', () => {
    const ticket = new TicketDoc(new Y.Doc());
    const input = { id: 'c1', kind: 'public' as CommentKind, body: 'Hi' };
    const error = captureError(() => ticket.addComment(input, ana, 1));
    expect(error).toBeInstanceOf(ModelError);
    expect(error).toMatchObject({ code: ModelErrorCode.invalidField, field: 'kind' });
    expect(ticket.comments.size).toBe(0);
  });

  it('reads an unknown or missing stored kind as an internal note, never as a public reply', () => {
    // A peer (a newer client, a tool on the raw endpoint) may store any value.
    const doc = new Y.Doc();
    const ticket = new TicketDoc(doc);
    for (const [id, kind] of [
      ['c1', 'public'],
      ['c2', 'customer_visible'],
      ['c3', 42],
      ['c4', undefined],
    ] as const) {
      const entry = new Y.Map<unknown>();
      if (kind !== undefined) entry.set('kind', kind);
      entry.set('body', `text ${id}`);
      ticket.comments.set(id, entry);
    }
    expect(ticket.listComments().map((c) => c.kind)).toEqual(['note', 'note', 'note', 'note']);
  });

  it('keeps every earlier body when a comment is edited and logs the edit', () => {
    const ticket = new TicketDoc(new Y.Doc());
    ticket.addComment({ id: 'c1', kind: 'reply', body: 'first' }, ana, 1);
    ticket.editComment('c1', 'second', ana, 2);
    ticket.editComment('c1', 'third', ana, 3);
    const comment = ticket.getComment('c1')!;
    expect(comment.body).toBe('third');
    expect(comment.editedAt).toBe(3);
    expect(comment.history).toEqual([
      { body: 'first', at: 1 },
      { body: 'second', at: 2 },
    ]);
    expect(ticket.listActivity().map((a) => a.kind)).toEqual(['comment_edited', 'comment_edited']);
  });

  it('lets only the author edit or delete, and a delete can be undone', () => {
    const ticket = new TicketDoc(new Y.Doc());
    ticket.addComment({ id: 'c1', kind: 'note', body: 'mine' }, ana, 1);
    expect(() => ticket.editComment('c1', 'theirs', bo, 2)).toThrow(ModelError);
    expect(() => ticket.setCommentDeleted('c1', true, bo, 2)).toThrow(ModelError);
    ticket.setCommentDeleted('c1', true, ana, 3);
    expect(ticket.getComment('c1')!.deleted).toBe(true);
    expect(ticket.getComment('c1')!.body).toBe('mine');
    ticket.setCommentDeleted('c1', false, ana, 4);
    expect(ticket.getComment('c1')!.deleted).toBe(false);
  });

  it('records field changes with who, what and when', () => {
    const index = new WorkspaceIndex(new Y.Doc());
    const ticket = new TicketDoc(new Y.Doc());
    index.tickets.create({ id: 't1', title: 'One', number: 1 }, ana, 1);
    updateTicket(index, ticket, 't1', { status: 'open', assigneeId: 'bo' }, ana, 7);
    expect(ticket.listActivity()).toMatchObject([
      {
        actorId: 'ana',
        actorName: 'Ana',
        at: 7,
        kind: 'field',
        field: 'status',
        from: 'new',
        to: 'open',
      },
      { kind: 'field', field: 'assigneeId', from: null, to: 'bo' },
    ]);
  });

  it('notifies mentioned members once and copies the thread into the index for search', () => {
    const index = new WorkspaceIndex(new Y.Doc());
    const ticket = new TicketDoc(new Y.Doc());
    index.tickets.create({ id: 't1', title: 'One', number: 1 }, ana, 1);
    const input = {
      id: 'c1',
      kind: 'note' as const,
      body: '@Bo can you look at the router?',
      mentions: ['bo', 'ana'],
    };
    postComment(index, ticket, 't1', input, ana, 5);
    postComment(index, ticket, 't1', input, ana, 6);
    expect(index.mentions.forUser('bo')).toHaveLength(1);
    expect(index.mentions.forUser('ana')).toHaveLength(0);
    // The text stays in the ticket doc: the index carries no search text (issue 15).
    expect(index.doc.getMap<Y.Map<unknown>>('tickets').get('t1')!.has('searchText')).toBe(false);
    expect(index.tickets.get('t1')!.commentCount).toBe(1);
    expect(index.tickets.get('t1')!.updatedAt).toBe(5);
  });

  it('extracts the description text from the ProseMirror fragment', () => {
    const ticket = new TicketDoc(new Y.Doc());
    const paragraph = new Y.XmlElement('paragraph');
    const text = new Y.XmlText();
    text.insert(0, 'Screen flickers');
    paragraph.insert(0, [text]);
    ticket.description.insert(0, [paragraph]);
    expect(ticket.searchText(100)).toContain('Screen flickers');
  });
});

function captureError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return null;
}
