import { describe, expect, it } from 'vitest';
import type { ReplicationProgress } from '@desk/client';
import { ReplicaManager } from './ReplicaManager.ts';
import type { Ledger, Replicator } from './ReplicaManager.ts';

/** A replicator that syncs instantly, refusing the docs in `refused`, and records its calls. */
function fakeReplicator(refused: ReadonlySet<string> = new Set()) {
  const calls: string[][] = [];
  const gates: ((() => Promise<void>) | undefined)[] = [];
  const replicator: Replicator = {
    replicate(docIds, options) {
      calls.push([...docIds]);
      gates.push(options.beforeEachDoc);
      const failed = docIds.filter((id) => refused.has(id)).length;
      const progress: ReplicationProgress = {
        total: docIds.length,
        done: docIds.length - failed,
        failed,
        running: false,
      };
      return {
        finished: Promise.resolve(progress),
        subscribe: (listener) => {
          listener(progress);
          return () => undefined;
        },
        cancel: () => undefined,
      };
    },
  };
  return { replicator, calls, gates };
}

function memoryLedger(initial: string[] = []): Ledger & { ids: Set<string> } {
  const ids = new Set(initial);
  return {
    ids,
    load: () => Promise.resolve(new Set(ids)),
    add: (docIds) => {
      for (const id of docIds) ids.add(id);
      return Promise.resolve();
    },
  };
}

function idle(manager: ReplicaManager, total?: number): Promise<void> {
  return new Promise((resolve) => {
    const off = manager.subscribe((p) => {
      if (
        !p.running &&
        p.done + p.failed === p.total &&
        p.total === (total ?? p.total) &&
        p.total > 0
      ) {
        queueMicrotask(() => off());
        resolve();
      }
    });
  });
}

const ids = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `ws:ticket:t${i + from}`);

describe('ReplicaManager', () => {
  it('copies every doc of the workspace in batches and records them in the ledger', async () => {
    const { replicator, calls } = fakeReplicator();
    const ledger = memoryLedger();
    const manager = new ReplicaManager({
      replicator,
      ledger,
      docIds: () => ids(250),
      batchSize: 100,
    });
    const done = idle(manager);
    manager.refresh();
    await done;
    expect(calls.map((c) => c.length)).toEqual([100, 100, 50]);
    expect(ledger.ids.size).toBe(250);
    expect(manager.progress).toEqual({
      total: 250,
      done: 250,
      ticketsTotal: 250,
      ticketsDone: 250,
      failed: 0,
      running: false,
    });
  });

  it("hands its beforeEachDoc gate to every batch's replication (no doc starts while the user types)", async () => {
    const { replicator, gates } = fakeReplicator();
    const typingPaused = () => Promise.resolve();
    const manager = new ReplicaManager({
      replicator,
      ledger: memoryLedger(),
      docIds: () => ids(3),
      batchSize: 2,
      beforeEachDoc: typingPaused,
    });
    const done = idle(manager);
    manager.refresh();
    await done;
    expect(gates).toEqual([typingPaused, typingPaused]);
  });

  it('skips docs copied on an earlier start, so a restart costs only what is missing', async () => {
    const { replicator, calls } = fakeReplicator();
    const manager = new ReplicaManager({
      replicator,
      ledger: memoryLedger(ids(90)),
      docIds: () => ids(100),
    });
    const done = idle(manager);
    manager.refresh();
    await done;
    expect(calls).toEqual([ids(10, 90)]);
  });

  it('picks up docs that appear later (new tickets) on refresh', async () => {
    const { replicator, calls } = fakeReplicator();
    let wanted = ids(3);
    const manager = new ReplicaManager({
      replicator,
      ledger: memoryLedger(),
      docIds: () => wanted,
    });
    manager.refresh();
    let done = idle(manager, 3);
    await done;
    wanted = ids(5);
    manager.refresh();
    done = idle(manager, 5);
    await done;
    expect(calls).toEqual([ids(3), ids(2, 3)]);
  });

  it('does not retry a batch the server refused in this session and does not record it', async () => {
    const { replicator, calls } = fakeReplicator(new Set(['ws:ticket:t1']));
    const ledger = memoryLedger();
    const manager = new ReplicaManager({ replicator, ledger, docIds: () => ids(3) });
    const done = idle(manager);
    manager.refresh();
    await done;
    manager.refresh();
    await Promise.resolve();
    expect(calls).toEqual([ids(3)]);
    expect(ledger.ids.size).toBe(0);
    expect(manager.progress).toMatchObject({ total: 3, done: 0, failed: 3, running: false });
  });

  it('starts nothing after stop', async () => {
    const { replicator, calls } = fakeReplicator();
    const manager = new ReplicaManager({
      replicator,
      ledger: memoryLedger(),
      docIds: () => ids(3),
    });
    manager.stop();
    manager.refresh();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(calls).toEqual([]);
  });

  it('counts tickets apart from notices and channels for "N of M tickets available offline"', async () => {
    const { replicator } = fakeReplicator();
    const manager = new ReplicaManager({
      replicator,
      ledger: memoryLedger(),
      docIds: () => [...ids(3), 'ws:notice:n1', 'ws:channel:c1'],
    });
    const done = idle(manager);
    manager.refresh();
    await done;
    expect(manager.progress).toMatchObject({ total: 5, done: 5, ticketsTotal: 3, ticketsDone: 3 });
  });

  it('records a doc fetched on demand as held, so it is not fetched again and counts as offline', async () => {
    const { replicator, calls } = fakeReplicator();
    const ledger = memoryLedger();
    const manager = new ReplicaManager({ replicator, ledger, docIds: () => ids(2) });
    expect(await manager.isHeld('ws:ticket:t1')).toBe(false);
    await manager.markHeld(['ws:ticket:t1', 'ws:ticket:old']);
    expect(await manager.isHeld('ws:ticket:t1')).toBe(true);
    expect(await manager.isHeld('ws:ticket:old')).toBe(true);
    expect([...ledger.ids].sort()).toEqual(['ws:ticket:old', 'ws:ticket:t1']);
    const done = idle(manager);
    manager.refresh();
    await done;
    expect(calls).toEqual([['ws:ticket:t0']]);
    expect(manager.progress).toMatchObject({ ticketsTotal: 2, ticketsDone: 2 });
  });
});
