import { describe, expect, it } from 'vitest';
import { AccessEvents } from '../access/AccessEvents.ts';
import { DisabledSets } from './DisabledSets.ts';
import type { DisabledSet } from './ModerationStore.ts';

type Entry = { itemKey: string; reason: string };

/** A store whose reads answer when the test says (`answer`), from `rows` as they are then. */
function slowStore() {
  const rows = new Map<string, Entry[]>();
  /** Each workspace's decision count (moderation_versions), answered at once. */
  const versions = new Map<string, number>();
  let versionReads = 0;
  const waiting: (() => void)[] = [];
  let reads = 0;
  return {
    rows,
    versions,
    reads: () => reads,
    versionReads: () => versionReads,
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
      moderationVersions(workspaceIds: readonly string[]) {
        versionReads += 1;
        return Promise.resolve(
          new Map(
            workspaceIds.flatMap((id) => (versions.has(id) ? [[id, versions.get(id)!]] : [])),
          ),
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

  it('keeps a read of one workspace when an event of another came meanwhile', async () => {
    const s = slowStore();
    const access = new AccessEvents();
    const sets = new DisabledSets(s.store, access);
    s.rows.set('w1', [{ itemKey: 'doc:a', reason: 'spam' }]);
    const loading = sets.load('w1');
    changed(access, 'w2', [{ itemKey: 'doc:b', reason: 'notice' }]);
    s.answer();
    await loading;
    const readsBefore = s.reads();
    expect((await sets.load('w1')).reasonOf('doc:a')).toBe('spam');
    expect(s.reads()).toBe(readsBefore); // kept: no second read
  });
});

describe('DisabledSets.reload: decisions whose moderationChanged was missed (a cut access channel)', () => {
  /** A set kept for `w1` with `doc:a` disabled, then the store changed behind its back. */
  const keptThenChanged = async (now: Entry[]) => {
    const s = slowStore();
    const access = new AccessEvents();
    const sets = new DisabledSets(s.store, access);
    s.rows.set('w1', [{ itemKey: 'doc:w1:ticket:a', reason: 'spam' }]);
    const loading = sets.load('w1');
    s.answer();
    const loaded = await loading;
    s.rows.set('w1', now);
    return { s, access, sets, loaded };
  };

  it('reads every kept set again and answers the documents disabled since, by reason', async () => {
    const { s, sets, loaded } = await keptThenChanged([
      { itemKey: 'doc:w1:ticket:a', reason: 'spam' },
      { itemKey: 'doc:w1:ticket:b', reason: 'Counterfeit' },
      { itemKey: 'doc:w1:notice:n', reason: 'Counterfeit' },
      { itemKey: 'doc:w1:ticket:c#c1', reason: 'Insult' },
    ]);
    const reloading = sets.reload();
    s.answer();
    const missed = await reloading;
    const items = [
      { itemKey: 'doc:w1:ticket:a', reason: 'spam' },
      { itemKey: 'doc:w1:ticket:b', reason: 'Counterfeit' },
      { itemKey: 'doc:w1:notice:n', reason: 'Counterfeit' },
      { itemKey: 'doc:w1:ticket:c#c1', reason: 'Insult' },
    ];
    // A comment is not a document: its subscription stays (writes into it are refused).
    expect(missed).toEqual([
      {
        workspaceId: 'w1',
        disabledDocIds: ['w1:ticket:b', 'w1:notice:n'],
        reason: 'Counterfeit',
        items,
      },
    ]);
    expect(sets.current('w1', loaded).reasonOf('doc:w1:ticket:b')).toBe('Counterfeit');
  });

  it('answers a list without documents when something was enabled again, nothing when unchanged', async () => {
    const { s, sets, loaded } = await keptThenChanged([]);
    const reloading = sets.reload();
    s.answer();
    expect(await reloading).toEqual([
      { workspaceId: 'w1', disabledDocIds: [], reason: '', items: [] },
    ]);
    expect(sets.current('w1', loaded).reasonOf('doc:w1:ticket:a')).toBeNull();

    const again = sets.reload();
    s.answer();
    expect(await again).toEqual([]);
  });

  it('leaves the list of an event heard while it read, and answers nothing for it', async () => {
    const { s, access, sets, loaded } = await keptThenChanged([]);
    const reloading = sets.reload();
    changed(access, 'w1', [{ itemKey: 'doc:w1:ticket:z', reason: 'later' }]);
    s.answer(1); // the reload's read: from before the event
    expect(await reloading).toEqual([]);
    expect(sets.current('w1', loaded).reasonOf('doc:w1:ticket:z')).toBe('later');
  });

  it('drops a set the store cannot read now, so the next ask reads it again', async () => {
    const s = slowStore();
    let away = false;
    const store = {
      ...s.store,
      disabledSet: (workspaceId: string) =>
        away ? Promise.reject(new Error('the database is away')) : s.store.disabledSet(workspaceId),
    };
    const sets = new DisabledSets(store, new AccessEvents());
    s.rows.set('w1', [{ itemKey: 'doc:w1:ticket:a', reason: 'spam' }]);
    const loading = sets.load('w1');
    s.answer();
    const loaded = await loading;

    away = true;
    expect(await sets.reload()).toEqual([]); // it never rejects: the session recheck follows
    away = false;
    s.rows.set('w1', []);
    const readsBefore = s.reads();
    // No longer kept: the synchronous ask answers what the authorization loaded, and reads.
    expect(sets.current('w1', loaded).reasonOf('doc:w1:ticket:a')).toBe('spam');
    expect(s.reads()).toBe(readsBefore + 1);
    s.answer();
    await new Promise((resolve) => setImmediate(resolve)); // the read's continuation ran
    expect(sets.current('w1', loaded).reasonOf('doc:w1:ticket:a')).toBeNull();
  });

  describe('checkVersions: a decision whose moderationChanged was never published', () => {
    /** Runs a check, answering the set reads it makes. */
    const check = async (s: ReturnType<typeof slowStore>, sets: DisabledSets) => {
      const checking = sets.checkVersions();
      await new Promise((resolve) => setImmediate(resolve)); // the count's answer came
      s.answer();
      return checking;
    };

    it('reads again a set whose decision count moved, and answers the change as the event would', async () => {
      const s = slowStore();
      const sets = new DisabledSets(s.store, new AccessEvents());
      const loading = sets.load('w1');
      s.answer();
      const loaded = await loading;
      // The first check learns the count the set reflects (read again once: not known before).
      expect(await check(s, sets)).toEqual([]);

      // Another process decided and died before publishing: only the store knows.
      s.rows.set('w1', [{ itemKey: 'doc:w1:ticket:a', reason: 'spam' }]);
      s.versions.set('w1', 1);
      expect(await check(s, sets)).toEqual([
        {
          workspaceId: 'w1',
          disabledDocIds: ['w1:ticket:a'],
          reason: 'spam',
          items: [{ itemKey: 'doc:w1:ticket:a', reason: 'spam' }],
        },
      ]);
      expect(sets.current('w1', loaded).reasonOf('doc:w1:ticket:a')).toBe('spam');
    });

    it('asks one query per check and reads no set while no count moved', async () => {
      const s = slowStore();
      s.versions.set('w1', 4);
      const sets = new DisabledSets(s.store, new AccessEvents());
      for (const id of ['w1', 'w2']) {
        const loading = sets.load(id);
        s.answer();
        await loading;
      }
      await check(s, sets);
      const [reads, versionReads] = [s.reads(), s.versionReads()];
      expect(await check(s, sets)).toEqual([]);
      expect(await check(s, sets)).toEqual([]);
      expect(s.reads()).toBe(reads);
      expect(s.versionReads()).toBe(versionReads + 2);
    });

    it('asks nothing while no set is kept', async () => {
      const s = slowStore();
      const sets = new DisabledSets(s.store, new AccessEvents());
      expect(await sets.checkVersions()).toEqual([]);
      expect(s.versionReads()).toBe(0);
    });
  });
});
