import { describe, expect, it } from 'vitest';
import { MemoryBlockStorage, TicketNumberPool } from './TicketNumberPool.ts';

function server(size = 3) {
  let counter = 0;
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    reserve: () => {
      calls += 1;
      const from = counter + 1;
      counter += size;
      return Promise.resolve({ from, to: counter });
    },
  };
}

describe('TicketNumberPool', () => {
  it('hands out numbers from reserved blocks without asking the server each time', async () => {
    const s = server(3);
    const pool = new TicketNumberPool(new MemoryBlockStorage(), s.reserve, 1);
    await pool.refill();
    expect([pool.take(), pool.take(), pool.take()]).toEqual([1, 2, 3]);
    expect(pool.take()).toBeNull();
    expect(s.calls).toBe(1);
  });

  it('keeps the unused part of a block across restarts', async () => {
    const storage = new MemoryBlockStorage();
    const s = server(5);
    const first = new TicketNumberPool(storage, s.reserve, 1);
    await first.refill();
    first.take();
    first.take();
    const second = new TicketNumberPool(storage, s.reserve, 1);
    expect(second.available).toBe(3);
    expect(second.take()).toBe(3);
  });

  it('shares one request between concurrent refills', async () => {
    const s = server(3);
    const pool = new TicketNumberPool(new MemoryBlockStorage(), s.reserve, 2);
    await Promise.all([pool.refill(), pool.refill(), pool.refill()]);
    expect(s.calls).toBe(1);
  });

  it('gives two offline devices disjoint numbers', async () => {
    const s = server(4);
    const a = new TicketNumberPool(new MemoryBlockStorage(), s.reserve, 1);
    const b = new TicketNumberPool(new MemoryBlockStorage(), s.reserve, 1);
    await a.refill();
    await b.refill();
    const numbers = [a.take(), b.take(), a.take(), b.take()];
    expect(new Set(numbers).size).toBe(4);
  });

  it('assigns numbers to pending tickets after reconnecting, oldest first', async () => {
    const s = server(2);
    const pool = new TicketNumberPool(new MemoryBlockStorage(), s.reserve, 1);
    const assigned: [string, number][] = [];
    const count = await pool.assignPending(['old', 'mid', 'new'], (id, n) =>
      assigned.push([id, n]),
    );
    expect(count).toBe(3);
    expect(assigned).toEqual([
      ['old', 1],
      ['mid', 2],
      ['new', 3],
    ]);
  });

  it('rejects a refill when offline and keeps what it has', async () => {
    const pool = new TicketNumberPool(
      new MemoryBlockStorage(),
      () => Promise.reject(new Error('offline')),
      1,
    );
    await expect(pool.refill()).rejects.toThrow('offline');
    expect(pool.take()).toBeNull();
  });
});
