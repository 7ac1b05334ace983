import { describe, expect, it } from 'vitest';
import { alignSequences, type Hunk } from './alignSequences.ts';
import { seededRandom } from '@desk/protocol/testing';

function applyHunks(a: readonly string[], b: readonly string[], hunks: readonly Hunk[]): string[] {
  const out: string[] = [];
  let ai = 0;
  for (const h of hunks) {
    out.push(...a.slice(ai, h.aStart), ...b.slice(h.bStart, h.bEnd));
    ai = h.aEnd;
  }
  out.push(...a.slice(ai));
  return out;
}

function kept(a: readonly string[], hunks: readonly Hunk[]): number {
  return a.length - hunks.reduce((sum, h) => sum + (h.aEnd - h.aStart), 0);
}

function lcsLength(a: readonly string[], b: readonly string[]): number {
  const row = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i += 1) {
    let diagonal = 0;
    for (let j = 1; j <= b.length; j += 1) {
      const above = row[j]!;
      row[j] = a[i - 1] === b[j - 1] ? diagonal + 1 : Math.max(row[j]!, row[j - 1]!);
      diagonal = above;
    }
  }
  return row[b.length]!;
}

describe('alignSequences', () => {
  it('returns no hunk for equal sequences', () => {
    expect(alignSequences(['a', 'b'], ['a', 'b'])).toEqual([]);
  });

  it('finds a single insertion in the middle', () => {
    expect(alignSequences([...'abcd'], [...'abXcd'])).toEqual([
      { aStart: 2, aEnd: 2, bStart: 2, bEnd: 3 },
    ]);
  });

  it('turns a into b and keeps a longest common subsequence, for random sequences', () => {
    const seed = 20261127;
    const random = seededRandom(seed);
    for (let round = 0; round < 400; round += 1) {
      const alphabet = 'abcde'.slice(0, 2 + random.int(4));
      const make = () =>
        Array.from({ length: random.int(30) }, () => alphabet[random.int(alphabet.length)]!);
      const a = make();
      const b = random.int(2) ? make() : a.map((c) => (random.int(5) ? c : 'z'));
      const hunks = alignSequences(a, b);
      expect(applyHunks(a, b, hunks), `seed ${seed} round ${round}`).toEqual(b);
      expect(kept(a, hunks), `seed ${seed} round ${round}`).toBe(lcsLength(a, b));
    }
  });

  it('replaces the whole middle when the sequences differ by more than the edit limit', () => {
    const a = [...'xabcdefghy'];
    const b = [...'xzzzzzzzzy'];
    expect(alignSequences(a, b, 3)).toEqual([{ aStart: 1, aEnd: 9, bStart: 1, bEnd: 9 }]);
  });
});
