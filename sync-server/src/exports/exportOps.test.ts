import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { exportOps, type RenderedDoc } from './exportOps.ts';

describe('exportOps.exportDoc', () => {
  it('reads an index stored before schema 1 as its migration would (tags, statuses), without writing to it', () => {
    const doc = new Y.Doc();
    const row = new Y.Map<unknown>();
    doc.getMap('tickets').set('t1', row);
    row.set('title', 'Printer');
    row.set('status', 'on-hold');
    row.set('tags', 'printer, floor-3');
    row.set('createdAt', 1);
    const stored = Y.encodeStateAsUpdate(doc);
    const { state, rendered } = exportOps.exportDoc('index', [stored]);
    const index = JSON.parse(rendered) as Extract<RenderedDoc, { kind: 'index' }>;
    expect(index.tickets).toEqual([
      expect.objectContaining({ id: 't1', status: 'on_hold', tags: ['printer', 'floor-3'] }),
    ]);
    // The raw state is the document as stored: identical, never migrated by the export.
    expect(Buffer.from(state).equals(Buffer.from(stored))).toBe(true);
  });

  it('renders a ticket document: description three ways, comments with their link cards', () => {
    const doc = new Y.Doc();
    const p = new Y.XmlElement('paragraph');
    p.insert(0, [new Y.XmlText('It prints twice.')]);
    doc.getXmlFragment('description').insert(0, [p]);
    const comment = new Y.Map<unknown>();
    comment.set('kind', 'note');
    comment.set('authorId', 'u1');
    comment.set('authorName', 'Ana');
    comment.set('body', 'Runbook: https://www.dropbox.com/s/abc/runbook.pdf');
    comment.set('createdAt', 5);
    doc.getMap('comments').set('c1', comment);
    const { rendered } = exportOps.exportDoc('ticket:t1', [Y.encodeStateAsUpdate(doc)]);
    const ticket = JSON.parse(rendered) as Extract<RenderedDoc, { kind: 'ticket' }>;
    expect(ticket.description.text).toBe('It prints twice.');
    expect(ticket.description.html).toBe('<p>It prints twice.</p>');
    expect(ticket.comments).toEqual([
      expect.objectContaining({
        kind: 'note',
        links: [expect.objectContaining({ provider: 'dropbox' })],
      }),
    ]);
  });
});
