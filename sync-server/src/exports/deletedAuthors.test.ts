import { describe, expect, it } from 'vitest';
import { attributeDeletedAuthors } from './deletedAuthors.ts';

describe('attributeDeletedAuthors', () => {
  it('names a deleted account "Deleted user" wherever it wrote or acted, and leaves everyone else', async () => {
    const asked: string[] = [];
    const attribute = attributeDeletedAuthors(async (id) => {
      asked.push(id);
      return id === 'u-gone';
    });
    const ticket = {
      id: 't1',
      createdBy: 'u-gone',
      comments: [
        { id: 'c1', authorId: 'u-gone', authorName: 'Bo Leaving', body: 'Put it out.' },
        { id: 'c2', authorId: 'u-ana', authorName: 'Ana Owner', body: 'Thanks' },
      ],
      activity: [{ id: 'a1', actorId: 'u-gone', actorName: 'Bo Leaving', kind: 'created' }],
    };
    expect(await attribute(ticket)).toEqual({
      id: 't1',
      createdBy: 'u-gone',
      comments: [
        { id: 'c1', authorId: 'u-gone', authorName: 'Deleted user', body: 'Put it out.' },
        { id: 'c2', authorId: 'u-ana', authorName: 'Ana Owner', body: 'Thanks' },
      ],
      activity: [{ id: 'a1', actorId: 'u-gone', actorName: 'Deleted user', kind: 'created' }],
    });
    expect(await attribute({ createdBy: 'u-gone', createdByName: 'Bo Leaving' })).toEqual({
      createdBy: 'u-gone',
      createdByName: 'Deleted user',
    });
    // Each person is looked up once.
    expect(asked.sort()).toEqual(['u-ana', 'u-gone']);
    // The input is not changed.
    expect(ticket.comments[0]!.authorName).toBe('Bo Leaving');
  });
});
