import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { rewriteIndex, WorkspaceIndex } from '@desk/model';
import { searchOps } from './searchOps.ts';

describe('the search projection of index generations (IDX-GEN-1)', () => {
  it('reads the rows of the newest generation and none of one the server replaced', () => {
    const g1 = new Y.Doc();
    new WorkspaceIndex(g1).tickets.create(
      { id: 't1', title: 'Printer jammed', number: 1 },
      { id: 'ana', name: 'Ana' },
      1,
    );
    const { nextState, markReplaced } = rewriteIndex(g1);
    expect(searchOps.ticketFields([nextState]).map((row) => row.title)).toEqual(['Printer jammed']);
    expect(searchOps.ticketFields([Y.encodeStateAsUpdate(g1)])).toEqual([]);
    expect(markReplaced.byteLength).toBeGreaterThan(0);
  });
});
