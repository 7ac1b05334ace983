import { describe, expect, it } from 'vitest';
import { Replication } from './Replication.ts';

/** A gate that holds every waiter until `open()`. */
function gate() {
  let waiters: (() => void)[] = [];
  return {
    wait: () => new Promise<void>((resolve) => waiters.push(resolve)),
    open() {
      const now = waiters;
      waiters = [];
      for (const resolve of now) resolve();
    },
    get waiting() {
      return waiters.length;
    },
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('Replication', () => {
  it('starts no doc while its beforeEachDoc gate holds, and each doc only after it opens', async () => {
    const started: string[] = [];
    const hold = gate();
    const replication = new Replication(
      ['a', 'b', 'c'],
      2,
      (docId) => {
        started.push(docId);
        return Promise.resolve(true);
      },
      hold.wait,
    );
    await settle();
    expect(started).toEqual([]);
    expect(hold.waiting).toBe(2); // both workers wait before their first doc

    hold.open();
    await settle();
    expect(started).toEqual(['a', 'b']);

    hold.open();
    await settle();
    expect(started).toEqual(['a', 'b', 'c']);
    expect(await replication.finished).toEqual({ total: 3, done: 3, failed: 0, running: false });
  });

  it('starts nothing more once cancelled while waiting at the gate', async () => {
    const started: string[] = [];
    const hold = gate();
    const replication = new Replication(
      ['a', 'b'],
      1,
      (docId) => {
        started.push(docId);
        return Promise.resolve(true);
      },
      hold.wait,
    );
    await settle();
    replication.cancel();
    hold.open();
    await settle();
    expect(started).toEqual([]);
    expect((await replication.finished).done).toBe(0);
  });
});
