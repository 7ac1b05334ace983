import { describe, expect, it } from 'vitest';
import { AccessEvents } from '../access/AccessEvents.ts';
import { DisabledSets } from './DisabledSets.ts';
import type { DisabledSet } from './ModerationStore.ts';

type Entry = { itemKey: string; reason: string };

/** A store whose reads answer when the test says (`answer`), from `rows` as they are then. */
function slowStore() {
  const rows = new Map<string, Entry[]>();
  const waiting: (() => void)[] = [];
  let reads = 0;
  return {
    rows,
    reads: () => reads,
    /** Answers the `count` oldest reads waiting (all by default). */
    answer: (count = waiting.length) => waiting.splice(0, count).forEach((resolve) => resolve()),
    store: {
      disabledSet(workspaceId: string): Promise<DisabledSet> {
        reads += 1;
        return new Promise((resolve) =>
          waiting.push(() => {
            const entries = [...(rows.get(workspaceId) ?? [])];
            resolve({
              reasonOf: (key) => entries.find((e) => e.itemKey === key)?.reason ?? null,
              entries,
            });
          }),
        );
      },
    },
  };
}

const changed = (access: AccessEvents, workspaceId: string, items: Entry[]) =>
  access.emit('moderationChanged', { workspaceId, disabledDocIds: [], reason: 'r', items });

describe('DisabledSets: the disabled sets the sync engine asks synchronously', () => {
  it('reads a workspace once and keeps it', async () => {
    const s = slowStore();
    s.rows.set('w1', [{ itemKey: 'doc:a', reason: 'spam' }]);
    const sets = new DisabledSets(s.store, new AccessEvents());
    const first = sets.load('w1');
    s.answer();
    expect((await first).reasonOf('doc:a')).toBe('spam');
    expect((await sets.load('w1')).entries).toHaveLength(1);
    expect(s.reads()).toBe(1);
  });

  it('takes the list of a moderationChanged at once, then the store’s answer read after it', async () => {
    const s = slowStore();
    const access = new AccessEvents();
    const sets = new DisabledSets(s.store, access);
    const loading = sets.load('w1');
    s.answer();
    const loaded = await loading;
    expect(loaded.entries).toEqual([]);

    changed(access, 'w1', [{ itemKey: 'doc:a', reason: 'spam' }]);
    // Synchronously, before any read: the next subscribe is refused.
    expect(sets.current('w1', loaded).reasonOf('doc:a')).toBe('spam');
    // The store (the truth: a later decision on another process) answers after the event.
    s.rows.set('w1', [
      { itemKey: 'doc:a', reason: 'spam' },
      { itemKey: 'doc:b', reason: 'notice' },
    ]);
    s.answer();
    await Promise.resolve();
    expect(sets.current('w1', loaded).entries.map((e) => e.itemKey)).toEqual(['doc:a', 'doc:b']);
  });

  it('does not let a read that began before an event replace the event’s list', async () => {
    const s = slowStore();
    const access = new AccessEvents();
    const sets = new DisabledSets(s.store, access);
    const loading = sets.load('w1'); // begins before the decision
    changed(access, 'w1', [{ itemKey: 'doc:a', reason: 'spam' }]);
    s.answer(1); // the load's read answers what it saw: nothing disabled
    const loaded = await loading;
    expect(sets.current('w1', loaded).reasonOf('doc:a')).toBe('spam');
    s.rows.set('w1', [{ itemKey: 'doc:a', reason: 'spam' }]);
    s.answer();
    await Promise.resolve();
    expect(sets.current('w1', loaded).reasonOf('doc:a')).toBe('spam');
  });
});
