import { describe, expect, it } from 'vitest';
import { TermIndex, termsOf } from './TermIndex.ts';

function marked(index: TermIndex, word: string, prefix: boolean, owners = 8): number[] {
  const hits = new Uint8Array(owners);
  index.mark(word, prefix, hits, null);
  return [...hits.keys()].filter((owner) => hits[owner] === 1);
}

describe('TermIndex', () => {
  it('splits text into lower-case words of letters and digits, accents removed', () => {
    expect(termsOf('Café-Crème, #42: ana@example.com ÜBER')).toEqual([
      'cafe',
      'creme',
      '42',
      'ana',
      'example',
      'com',
      'uber',
    ]);
  });

  it('finds a word exactly, or every word it begins', () => {
    const index = new TermIndex();
    index.add(0, ['printer', 'paper']);
    index.add(1, ['print', 'queue']);
    index.add(2, ['pr']);
    expect(marked(index, 'print', false)).toEqual([1]);
    expect(marked(index, 'print', true)).toEqual([0, 1]);
    expect(marked(index, 'pr', true)).toEqual([0, 1, 2]);
    expect(marked(index, 'p', true)).toEqual([]); // one letter: exact only
    expect(marked(index, 'prx', true)).toEqual([]);
  });

  it('marks only within the tickets an earlier word matched', () => {
    const index = new TermIndex();
    index.add(0, ['alpha', 'beta']);
    index.add(1, ['beta']);
    const within = new Uint8Array([1, 0]);
    const hits = new Uint8Array(2);
    index.mark('beta', false, hits, within);
    expect([...hits]).toEqual([1, 0]);
  });

  it('skips a replaced document, and compacting keeps every answer', () => {
    const index = new TermIndex();
    const owners = new Map<number, number>();
    let doc = 0;
    for (let owner = 0; owner < 3000; owner++)
      owners.set(owner, index.add(owner, [`w${owner}`, 'all']));
    for (let owner = 0; owner < 2000; owner++) {
      index.remove(owners.get(owner)!);
      doc = index.add(owner, [`v${owner}`, 'all']);
      owners.set(owner, doc);
    }
    expect(marked(index, 'w5', false, 3000)).toEqual([]);
    expect(marked(index, 'v5', false, 3000)).toEqual([5]);
    expect(index.wasteful).toBe(true);
    const before = marked(index, 'all', false, 3000);
    index.compact((owner, to) => owners.set(owner, to));
    expect(index.wasteful).toBe(false);
    expect(marked(index, 'all', false, 3000)).toEqual(before);
    expect(marked(index, 'w2500', true, 3000)).toEqual([2500]);
    index.remove(owners.get(7)!); // the renumbered document is the one removed
    expect(marked(index, 'v7', false, 3000)).toEqual([]);
  });

  it('comes back whole from its stored form', () => {
    const index = new TermIndex();
    index.add(0, ['printer', 'jam']);
    index.add(1, ['printer']);
    index.remove(1);
    index.add(2, ['scanner']);
    const copy = TermIndex.fromData(structuredClone(index.toData()));
    expect(marked(copy, 'printer', false)).toEqual([0]);
    expect(marked(copy, 'sca', true)).toEqual([2]);
    copy.add(3, ['printout']);
    expect(marked(copy, 'print', true)).toEqual([0, 3]);
  });
});
