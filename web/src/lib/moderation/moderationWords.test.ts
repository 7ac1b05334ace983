import { describe, expect, it } from 'vitest';
import { itemWords } from './moderationWords.ts';

describe('itemWords', () => {
  it('names a whole document by its kind and id', () => {
    expect(itemWords({ kind: 'ticket', docId: 'ws1:ticket:t1' })).toBe('Ticket t1');
  });

  it('names a comment or message by its id and the document it is in', () => {
    expect(itemWords({ kind: 'comment', docId: 'ws1:ticket:t1', itemId: 'c9' })).toBe(
      'Comment or internal note c9 in ticket t1',
    );
    expect(itemWords({ kind: 'message', docId: 'ws1:channel:ch', itemId: 'm1' })).toBe(
      'Message m1 in channel ch',
    );
  });

  it('names an attachment by the start of its SHA-256 and the ticket it was on', () => {
    expect(itemWords({ kind: 'attachment', blobId: 'f'.repeat(64), docId: 'ws1:ticket:t1' })).toBe(
      'Attachment ffffffffffff… on ticket t1',
    );
  });
});
