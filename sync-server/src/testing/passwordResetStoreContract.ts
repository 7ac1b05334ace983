import { describe, expect, it } from 'vitest';
import { RESET_TOKEN_LIFETIME_MS, type AsyncPasswordResetStore } from '../auth/PasswordResets.ts';
import { seedUser } from './controlPlaneSeed.ts';
import { closedAfterEach, type StoreFixture } from './storeBackends.ts';

/**
 * What every PasswordResetStore does, on SQLite (wrapped or on the seam) and on PostgreSQL:
 * a link works for 30 minutes, once; spending one spends all the account's; two requests
 * spending one link at once on two processes — one wins.
 */
export function describePasswordResetStoreContract(
  engine: string,
  open: () => Promise<StoreFixture<AsyncPasswordResetStore>>,
): void {
  describe(`PasswordResetStore on ${engine}`, () => {
    const openOne = closedAfterEach(open);
    const setup = async () => {
      const fixture = await openOne();
      const userId = await seedUser(fixture.db.sql, { name: 'Ana' });
      return { ...fixture, resets: fixture.store, userId };
    };

    it('finds a link by its token for 30 minutes, then says it expired', async () => {
      const { resets, clock, userId } = await setup();
      const link = await resets.create(userId);
      expect(link.expiresAt).toBe(clock.now + RESET_TOKEN_LIFETIME_MS);
      const found = await resets.lookup(link.token);
      expect(found).toEqual({ kind: 'valid', id: expect.any(String), userId });
      expect(await resets.lookup(`${link.token}x`)).toEqual({ kind: 'invalid' });
      const stored = await resets.lookup(link.token);
      expect(stored).toEqual(found);
      clock.now = link.expiresAt;
      expect(await resets.lookup(link.token)).toEqual({ kind: 'expired' });
    });

    it('spends every open link of the account with one, and a spent link is invalid', async () => {
      const { resets, userId } = await setup();
      const first = await resets.create(userId);
      const second = await resets.create(userId);
      const found = await resets.lookup(second.token);
      if (found.kind !== 'valid') throw new Error(found.kind);
      expect(await resets.spendAllForUser(userId, found.id)).toBe(true);
      expect(await resets.lookup(first.token)).toEqual({ kind: 'invalid' });
      expect(await resets.lookup(second.token)).toEqual({ kind: 'invalid' });
      expect(await resets.spendAllForUser(userId, found.id)).toBe(false);
      // A password change (no link) voids the links made before it.
      const third = await resets.create(userId);
      expect(await resets.spendAllForUser(userId, null)).toBe(true);
      expect(await resets.lookup(third.token)).toEqual({ kind: 'invalid' });
    });

    it('deletes every link of the account, used or not', async () => {
      const { resets, userId, db } = await setup();
      const other = await seedUser(db.sql, { name: 'Ben' });
      await resets.create(userId);
      await resets.spendAllForUser(userId, null);
      await resets.create(userId);
      const kept = await resets.create(other);
      expect(await resets.deleteAllForUser(userId)).toBe(2);
      expect((await resets.lookup(kept.token)).kind).toBe('valid');
    });

    it('lets one of two processes spending one link at once win', async () => {
      const { resets, userId, another } = await setup();
      const other = await another();
      const link = await resets.create(userId);
      const found = await resets.lookup(link.token);
      if (found.kind !== 'valid') throw new Error(found.kind);
      const spent = await Promise.all(
        [resets, other, resets, other].map((store) => store.spendAllForUser(userId, found.id)),
      );
      expect(spent.filter(Boolean)).toHaveLength(1);
    });
  });
}
