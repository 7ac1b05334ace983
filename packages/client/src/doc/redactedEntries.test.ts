import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CONTENT_DISABLED_MARKER, docItemKey, entryItemKey } from '@desk/protocol';
import { holdsStaleRedaction } from './redactedEntries.ts';

const ticketDoc = 'ws1:ticket:t1';

function ticketReplica(body: string): Y.Doc {
  const doc = new Y.Doc();
  const entry = new Y.Map<unknown>();
  entry.set('authorId', 'u1');
  entry.set('body', body);
  doc.getMap('comments').set('c1', entry);
  return doc;
}

describe('a replica that holds redacted content', () => {
  it('is stale once the entry is no longer disabled (re-enabled, online or offline)', () => {
    const doc = ticketReplica(CONTENT_DISABLED_MARKER);
    expect(holdsStaleRedaction(ticketDoc, doc, new Set())).toBe(true);
  });

  it('is not while the entry is disabled, nor when it holds the real text', () => {
    const disabled = new Set([entryItemKey(ticketDoc, 'c1')]);
    expect(holdsStaleRedaction(ticketDoc, ticketReplica(CONTENT_DISABLED_MARKER), disabled)).toBe(
      false,
    );
    expect(holdsStaleRedaction(ticketDoc, ticketReplica('real words'), new Set())).toBe(false);
  });

  it('in the index: a redacted row of a ticket, or a mention of a comment, no longer disabled', () => {
    const doc = new Y.Doc();
    const row = new Y.Map<unknown>();
    row.set('title', CONTENT_DISABLED_MARKER);
    doc.getMap('tickets').set('t1', row);
    expect(holdsStaleRedaction('ws1:index', doc, new Set([docItemKey(ticketDoc)]))).toBe(false);
    expect(holdsStaleRedaction('ws1:index', doc, new Set())).toBe(true);

    const mentions = new Y.Doc();
    mentions.getMap('mentions').set('c1:u2', {
      userId: 'u2',
      place: { kind: 'ticket', ticketId: 't1', commentId: 'c1' },
      excerpt: CONTENT_DISABLED_MARKER,
    });
    const stillDisabled = new Set([entryItemKey(ticketDoc, 'c1')]);
    expect(holdsStaleRedaction('ws1:index', mentions, stillDisabled)).toBe(false);
    expect(holdsStaleRedaction('ws1:index', mentions, new Set())).toBe(true);
  });
});
