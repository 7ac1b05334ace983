import { describe, expect, it } from 'vitest';
import { forEachExclusion } from './exclusionTree.ts';

/** What each sender received: the entries and how many frames they came in. */
function run(senders: number, withServerGroup = false) {
  const groups: [number | null, string[]][] = Array.from({ length: senders }, (_, s) => [
    s,
    [`${s}a`, `${s}b`],
  ]);
  if (withServerGroup) groups.push([null, ['server']]);
  const received = new Map<number, { entries: string[]; frames: number }>();
  forEachExclusion(groups, (to, from) => {
    for (const sender of to) {
      const got = received.get(sender) ?? { entries: [], frames: 0 };
      got.entries.push(...from);
      got.frames++;
      received.set(sender, got);
    }
  });
  return { groups, received };
}

describe('forEachExclusion', () => {
  it('WRITE-4 gives every sender everyone else’s entries once and none of its own, in ⌈log2 k⌉ frames', () => {
    for (const k of [1, 2, 3, 5, 8, 13, 64]) {
      const { groups, received } = run(k);
      for (const [sender] of groups) {
        const got = received.get(sender!) ?? { entries: [], frames: 0 };
        const others = groups.filter(([s]) => s !== sender).flatMap(([, entries]) => entries);
        expect(got.entries.sort()).toEqual(others.sort());
        expect(got.frames).toBeLessThanOrEqual(Math.ceil(Math.log2(k)));
      }
    }
  });

  it('WRITE-4 delivers a group without a sender to everyone and nothing to it', () => {
    const { received } = run(3, true);
    for (const sender of [0, 1, 2]) expect(received.get(sender)!.entries).toContain('server');
    expect([...received.keys()].sort()).toEqual([0, 1, 2]);
  });
});
