import { beforeEach, describe, expect, it } from 'vitest';
import { replyDraftKey } from '$lib/offline/localKeys.ts';
import { ReplyDraft } from './ReplyDraft.svelte.ts';

const open = (comments = 0) => new ReplyDraft('w1', 't1', 'u-ann', comments);

describe('ReplyDraft', () => {
  beforeEach(() => localStorage.clear());

  it('survives a reload: the text, its kind and its comment id come back', () => {
    const draft = open();
    draft.set('Have you tried turning it off?', 0);
    draft.setKind('note');
    const reloaded = open();
    expect(reloaded.body).toBe('Have you tried turning it off?');
    expect(reloaded.kind).toBe('note');
    expect(reloaded.id).toBe(draft.id);
  });

  it('keeps one comment id until sent, so a second send writes the same comment', () => {
    const draft = open();
    draft.set('Hello', 0);
    const id = draft.id;
    draft.set('Hello again', 0);
    expect(draft.id).toBe(id);
    draft.reset(1);
    expect(draft.id).not.toBe(id);
    expect(draft.body).toBe('');
    expect(localStorage.getItem(replyDraftKey('w1', 't1', 'u-ann'))).toBeNull();
  });

  it('counts comments that arrived after the draft was started, until acknowledged', () => {
    const draft = open(2);
    draft.set('On it', 2);
    expect(draft.newerComments(5)).toBe(3);
    draft.acknowledge(5);
    expect(draft.newerComments(5)).toBe(0);
  });

  it('starts counting from the first character typed, not from when the page opened', () => {
    const draft = open(1);
    draft.set('Thanks', 4);
    expect(draft.newerComments(4)).toBe(0);
  });

  it('stores nothing for an empty draft, and ignores an unreadable stored one', () => {
    const draft = open();
    draft.set('   ', 0);
    expect(localStorage.getItem(replyDraftKey('w1', 't1', 'u-ann'))).toBeNull();
    localStorage.setItem(replyDraftKey('w1', 't1', 'u-ann'), '{not json');
    expect(open().body).toBe('');
  });
});
