import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DEFAULT_QUERY } from '../query/TicketQuery.ts';
import { readKey, UserDoc } from './UserDoc.ts';

describe('UserDoc', () => {
  it('moves read markers forward only', () => {
    const user = new UserDoc(new Y.Doc());
    user.markRead(readKey.notice('n1'), 10);
    user.markRead(readKey.notice('n1'), 4);
    expect(user.readAt(readKey.notice('n1'))).toBe(10);
    expect(user.readAt(readKey.channel('c1'))).toBe(0);
  });

  it('saves personal views with a normalised query', () => {
    const user = new UserDoc(new Y.Doc());
    user.views.save('v1', ' My open ', { ...DEFAULT_QUERY, statuses: ['open'] }, 'ana', 1);
    expect(user.views.list()).toMatchObject([
      { id: 'v1', name: 'My open', query: { statuses: ['open'] } },
    ]);
  });
});
