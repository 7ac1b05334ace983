import { describe, expect, it } from 'vitest';
import { findMentions, segmentText } from './mentions.ts';

const members = [
  { userId: 'u1', displayName: 'Ana' },
  { userId: 'u2', displayName: 'Ana Maria' },
  { userId: 'u3', displayName: 'Bo' },
];

describe('mentions', () => {
  it('prefers the longest matching member name', () => {
    expect(findMentions('Hi @Ana Maria and @bo!', members)).toEqual(['u2', 'u3']);
  });

  it('does not match inside words or email addresses', () => {
    expect(findMentions('mail ana@Bo.com or @Bob', members)).toEqual([]);
  });

  it('splits text into plain runs, mentions and links', () => {
    expect(segmentText('@Ana see https://x.test/a.', members)).toEqual([
      { kind: 'mention', text: '@Ana', userId: 'u1' },
      { kind: 'text', text: ' see ' },
      { kind: 'link', text: 'https://x.test/a', url: 'https://x.test/a' },
      { kind: 'text', text: '.' },
    ]);
  });
});
