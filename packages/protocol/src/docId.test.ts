import { describe, expect, it } from 'vitest';
import { isDocVisibleTo, makeDocId, parseDocId } from './docId.ts';

describe('document ids', () => {
  it('names the workspace first, then the kind and an optional id', () => {
    expect(parseDocId('ws1:index')).toEqual({ workspaceId: 'ws1', kind: 'index', id: null });
    expect(parseDocId('ws1:ticket:abc-9_Z')).toEqual({
      workspaceId: 'ws1',
      kind: 'ticket',
      id: 'abc-9_Z',
    });
  });

  it('refuses ids that could smuggle another workspace or path', () => {
    for (const bad of [
      '',
      'ws1',
      ':index',
      'ws1:',
      'ws1:Index',
      'ws/1:index',
      'ws1:t:a:b',
      'a b:index',
    ]) {
      expect(parseDocId(bad), bad).toBeNull();
    }
  });

  it('makes only valid ids', () => {
    expect(makeDocId('ws1', 'ticket', 't1')).toBe('ws1:ticket:t1');
    expect(() => makeDocId('ws 1', 'ticket')).toThrow();
  });
});

describe('private per-user documents', () => {
  it('are visible only to their own user; every other document to every member', () => {
    expect(isDocVisibleTo(parseDocId('ws1:user:ana')!, 'ana')).toBe(true);
    expect(isDocVisibleTo(parseDocId('ws1:user:ana')!, 'ben')).toBe(false);
    expect(isDocVisibleTo(parseDocId('ws1:user')!, 'ben')).toBe(false);
    expect(isDocVisibleTo(parseDocId('ws1:ticket:t1')!, 'ben')).toBe(true);
  });
});
