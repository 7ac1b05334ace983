import { describe, expect, it } from 'vitest';
import {
  SIGNUP_LINK_LIFETIME_MS,
  type AsyncPendingSignupStore,
  type PendingSignupInput,
} from '../auth/PendingSignups.ts';
import { closedAfterEach, type StoreFixture } from './storeBackends.ts';

const form = (email: string): PendingSignupInput => ({
  email,
  displayName: 'Ana',
  phone: null,
  passwordHash: 'argon2id-hash',
  customer: { kind: 'organization', name: 'Acme' },
  workspace: { name: 'Acme desk', slug: 'acme' },
  termsVersion: '2',
  ip: '192.0.2.1',
});

/**
 * What every PendingSignupStore does, on SQLite (wrapped or on the seam) and on PostgreSQL:
 * the form kept until its link is used, for 24 hours; a link used once — also by two
 * processes at once.
 */
export function describePendingSignupStoreContract(
  engine: string,
  open: () => Promise<StoreFixture<AsyncPendingSignupStore>>,
): void {
  describe(`PendingSignupStore on ${engine}`, () => {
    const openOne = closedAfterEach(open);
    const setup = async () => {
      const fixture = await openOne();
      return { ...fixture, signups: fixture.store };
    };

    it('keeps the form behind its link for 24 hours', async () => {
      const { signups, clock } = await setup();
      const link = await signups.create(form('ana@example.com'));
      expect(link.expiresAt).toBe(clock.now + SIGNUP_LINK_LIFETIME_MS);
      expect(await signups.lookup(link.token)).toEqual({
        kind: 'valid',
        signup: { ...form('ana@example.com'), id: expect.any(String), createdAt: clock.now },
      });
      expect(await signups.lookup(`${link.token}x`)).toEqual({ kind: 'invalid' });
      clock.now = link.expiresAt;
      expect(await signups.lookup(link.token)).toEqual({ kind: 'expired' });
      // The next sign-up clears the expired ones.
      await signups.create(form('ben@example.com'));
      expect(await signups.lookup(link.token)).toEqual({ kind: 'invalid' });
    });

    it('spends a link once, and deletes an address’s pending sign-ups', async () => {
      const { signups } = await setup();
      const link = await signups.create(form('ana@example.com'));
      await signups.create(form('ana@example.com'));
      const kept = await signups.create(form('ben@example.com'));
      const found = await signups.lookup(link.token);
      if (found.kind !== 'valid') throw new Error(found.kind);
      expect(await signups.spend(found.signup.id)).toBe(true);
      expect(await signups.spend(found.signup.id)).toBe(false);
      expect(await signups.deleteForEmail('ana@example.com')).toBe(1);
      expect((await signups.lookup(kept.token)).kind).toBe('valid');
    });

    it('lets one of two processes opening one link at once use it', async () => {
      const { signups, another } = await setup();
      const other = await another();
      const link = await signups.create(form('ana@example.com'));
      const found = await signups.lookup(link.token);
      if (found.kind !== 'valid') throw new Error(found.kind);
      const spent = await Promise.all(
        [signups, other, signups, other].map((store) => store.spend(found.signup.id)),
      );
      expect(spent.filter(Boolean)).toHaveLength(1);
    });
  });
}
