import { describe, expect, it } from 'vitest';
import {
  DEFAULT_BLOCK_SIZE,
  MAX_BLOCK_SIZE,
  type AsyncTicketNumberCounter,
} from '../tickets/TicketNumberCounter.ts';
import { seedUser, seedWorkspace } from './controlPlaneSeed.ts';
import { closedAfterEach, type StoreFixture } from './storeBackends.ts';

/**
 * What every TicketNumberCounter does, on SQLite (wrapped or on the seam) and on
 * PostgreSQL: blocks of numbers per workspace, never handed out twice — also to two
 * processes reserving at once.
 */
export function describeTicketNumberCounterContract(
  engine: string,
  open: () => Promise<StoreFixture<AsyncTicketNumberCounter>>,
): void {
  describe(`TicketNumberCounter on ${engine}`, () => {
    const openOne = closedAfterEach(open);
    const setup = async () => {
      const fixture = await openOne();
      const ownerId = await seedUser(fixture.db.sql, { name: 'Ana' });
      const acme = await seedWorkspace(fixture.db.sql, { ownerId, slug: 'acme' });
      const beta = await seedWorkspace(fixture.db.sql, { ownerId, slug: 'beta' });
      return { ...fixture, counter: fixture.store, acme, beta };
    };

    it('hands out consecutive blocks per workspace, the default size unless asked', async () => {
      const { counter, acme, beta } = await setup();
      expect(await counter.reserve(acme)).toEqual({ from: 1, to: DEFAULT_BLOCK_SIZE });
      expect(await counter.reserve(acme, 5)).toEqual({
        from: DEFAULT_BLOCK_SIZE + 1,
        to: DEFAULT_BLOCK_SIZE + 5,
      });
      expect(await counter.reserve(beta, 1)).toEqual({ from: 1, to: 1 });
    });

    it('refuses a block size outside 1..MAX_BLOCK_SIZE', async () => {
      const { counter, acme } = await setup();
      for (const size of [0, MAX_BLOCK_SIZE + 1, 1.5]) {
        await expect(counter.reserve(acme, size)).rejects.toThrow(RangeError);
      }
    });

    it('never gives two processes reserving at once overlapping numbers', async () => {
      const { counter, acme, another } = await setup();
      const other = await another();
      const blocks = await Promise.all(
        Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? counter : other).reserve(acme, 7)),
      );
      const numbers = blocks.flatMap((b) =>
        Array.from({ length: b.to - b.from + 1 }, (_, k) => b.from + k),
      );
      expect(numbers.sort((a, b) => a - b)).toEqual(
        Array.from({ length: 12 * 7 }, (_, k) => k + 1),
      );
    });
  });
}
