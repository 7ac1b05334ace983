import { afterEach, describe, expect, it } from 'vitest';
import type { AsyncUserStore } from '../identity/UserStore.ts';
import type { ControlPlaneDatabase } from './controlPlaneDatabases.ts';

export interface UserStoreFixture {
  readonly db: ControlPlaneDatabase;
  readonly users: AsyncUserStore;
  readonly clock: { now: number };
}

/** What every UserStore does, on SQLite (wrapped or on the seam) and on PostgreSQL. */
export function describeUserStoreContract(
  engine: string,
  open: () => Promise<UserStoreFixture>,
): void {
  describe(`UserStore on ${engine}`, () => {
    const opened: UserStoreFixture[] = [];
    const setup = async () => {
      const fixture = await open();
      opened.push(fixture);
      return fixture;
    };
    afterEach(async () => {
      for (const fixture of opened.splice(0)) await fixture.db.close();
    });

    it('creates an account that is found by id and by its address, active and unlocked', async () => {
      const { users, clock } = await setup();
      const id = await users.create({
        email: 'ana@example.com',
        displayName: 'Ana',
        passwordHash: 'h1',
      });
      const expected = {
        id,
        email: 'ana@example.com',
        displayName: 'Ana',
        phone: null,
        passwordHash: 'h1',
        status: 'active',
        mustResetPassword: false,
        platformRole: null,
        createdAt: clock.now,
        updatedAt: clock.now,
      };
      expect(await users.byId(id)).toEqual(expected);
      expect(await users.byEmail('ana@example.com')).toEqual(expected);
      expect(await users.byEmail('nobody@example.com')).toBeUndefined();
    });

    it('refuses a second account for the same address with a unique violation', async () => {
      const { users, db } = await setup();
      await users.create({ email: 'ana@example.com', displayName: 'Ana', passwordHash: 'h1' });
      const error = await users
        .create({ email: 'ana@example.com', displayName: 'Other', passwordHash: 'h2' })
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(db.sql.dialect.isUniqueViolation(error)).toBe(true);
    });

    it('locks an account until a new password unlocks it; a change alone does not', async () => {
      const { users, clock } = await setup();
      const id = await users.create({
        email: 'ana@example.com',
        displayName: 'Ana',
        passwordHash: 'h1',
      });
      await users.requirePasswordReset(id);
      expect((await users.byId(id))?.mustResetPassword).toBe(true);
      clock.now += 1000;
      await users.setPasswordHash(id, 'h2', { unlock: false });
      expect(await users.byId(id)).toMatchObject({
        passwordHash: 'h2',
        mustResetPassword: true,
        updatedAt: clock.now,
      });
      await users.setPasswordHash(id, 'h3', { unlock: true });
      expect(await users.byId(id)).toMatchObject({ passwordHash: 'h3', mustResetPassword: false });
    });

    it('updates the profile, the status and the platform role', async () => {
      const { users } = await setup();
      const id = await users.create({
        email: 'ana@example.com',
        displayName: 'Ana',
        passwordHash: 'h',
      });
      await users.updateProfile(id, { displayName: 'Ana B.', phone: '+1 555' });
      await users.setStatus(id, 'suspended');
      await users.makeOperator(id);
      expect(await users.byId(id)).toMatchObject({
        displayName: 'Ana B.',
        phone: '+1 555',
        status: 'suspended',
        platformRole: 'operator',
      });
    });

    it('anonymises an account: the address is free again, nothing about the person is left', async () => {
      const { users } = await setup();
      const id = await users.create({
        email: 'ana@example.com',
        displayName: 'Ana',
        phone: '+1 555',
        passwordHash: 'h',
        platformRole: 'operator',
      });
      await users.anonymise(id, `deleted-${id}@deleted.invalid`);
      expect(await users.byId(id)).toMatchObject({
        email: `deleted-${id}@deleted.invalid`,
        displayName: 'Deleted user',
        phone: null,
        passwordHash: '',
        platformRole: null,
      });
      expect(await users.byEmail('ana@example.com')).toBeUndefined();
      await users.create({ email: 'ana@example.com', displayName: 'Ana again', passwordHash: 'h' });
    });

    it('pages through every account in id order', async () => {
      const { users } = await setup();
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        ids.push(
          await users.create({
            email: `u${i}@example.com`,
            displayName: `U${i}`,
            passwordHash: 'h',
          }),
        );
      }
      ids.sort();
      const first = await users.pageAfter('', 2);
      expect(first.map((u) => u.id)).toEqual(ids.slice(0, 2));
      const rest = await users.pageAfter(first[1]!.id, 10);
      expect(rest.map((u) => u.id)).toEqual(ids.slice(2));
    });
  });
}
