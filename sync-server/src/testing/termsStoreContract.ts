import { describe, expect, it } from 'vitest';
import { TERMS_V1_TEXT } from '../db/migrations/0014_termsV1Text.ts';
import { EffectiveDateTooEarly, type AsyncTermsStore } from '../terms/TermsStore.ts';
import { closedAfterEach, type StoreFixture } from './storeBackends.ts';
import { seedUser } from './controlPlaneSeed.ts';

const day = 24 * 60 * 60 * 1000;
/** Version 1 takes effect on 2026-11-01; the tests start after it. */
export const termsContractStart = Date.UTC(2026, 11, 1);

/** What every TermsStore does, on SQLite (wrapped or on the seam) and on PostgreSQL. */
export function describeTermsStoreContract(
  engine: string,
  open: () => Promise<StoreFixture<AsyncTermsStore>>,
): void {
  describe(`TermsStore on ${engine}`, () => {
    const openOne = closedAfterEach(open);
    const setup = async () => {
      const fixture = await openOne();
      const terms = fixture.store;
      const operatorId = await seedUser(fixture.db.sql, { name: 'Olga', operator: true });
      const publish = (effectiveAt: number, changes = `changes ${effectiveAt}`) =>
        terms.publish({ text: 'text', changes, effectiveAt, publishedBy: operatorId });
      return { ...fixture, terms, operatorId, publish };
    };

    it('starts with version 1, the text users accepted on the forms, in force and announced', async () => {
      const { terms } = await setup();
      const first = await terms.inForce();
      expect(first).toMatchObject({ version: 1, text: TERMS_V1_TEXT, announced: true });
      expect(await terms.get(1)).toEqual(first);
      expect(await terms.list()).toEqual([first]);
      expect(await terms.get(2)).toBeNull();
      expect(await terms.upcoming()).toBeNull();
      expect(await terms.versionInForce()).toBe(1);
      expect(await terms.nextEffectiveAt()).toBeNull();
      expect(await terms.pendingAnnouncement()).toBeNull();
    });

    it('numbers published versions and puts each in force on its effective date', async () => {
      const { terms, clock, publish } = await setup();
      const second = await publish(clock.now + day, 'Clause 3 rewritten');
      expect(second).toEqual({
        version: 2,
        text: 'text',
        changes: 'Clause 3 rewritten',
        effectiveAt: clock.now + day,
        publishedAt: clock.now,
        announced: false,
      });
      expect((await terms.inForce()).version).toBe(1);
      expect(await terms.upcoming()).toEqual(second);
      expect(await terms.nextEffectiveAt()).toBe(second.effectiveAt);
      expect((await terms.list()).map((v) => v.version)).toEqual([2, 1]);

      clock.now = second.effectiveAt;
      expect(await terms.inForce()).toEqual(second);
      expect(await terms.versionInForce()).toBe(2);
      expect(await terms.upcoming()).toBeNull();
      expect(await terms.nextEffectiveAt()).toBeNull();
    });

    it('refuses a version taking effect before the one published before it', async () => {
      const { terms, clock, publish } = await setup();
      await publish(clock.now + 2 * day);
      const refused = await publish(clock.now + day).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(EffectiveDateTooEarly);
      expect((refused as EffectiveDateTooEarly).notBefore).toBe(clock.now + 2 * day);
      expect((await terms.list()).map((v) => v.version)).toEqual([2, 1]);
    });

    it('blocks a user until they accept the version in force; a later version counts for earlier ones', async () => {
      const { terms, db, clock, publish } = await setup();
      const ana = await seedUser(db.sql, { name: 'Ana' });
      expect(await terms.acceptedBy(ana)).toBe(0);
      expect((await terms.blocking(ana))?.version).toBe(1);
      expect(await terms.hasAcceptedInForce(ana)).toBe(false);

      await terms.accept({ userId: ana, version: 1, ip: '192.0.2.1' });
      expect(await terms.blocking(ana)).toBeNull();
      expect(await terms.hasAcceptedInForce(ana)).toBe(true);

      const second = await publish(clock.now + day);
      await publish(clock.now + 2 * day);
      clock.now = second.effectiveAt;
      expect((await terms.blocking(ana))?.version).toBe(2);
      await terms.accept({ userId: ana, version: 3, ip: null });
      expect(await terms.acceptedBy(ana)).toBe(3);
      expect(await terms.blocking(ana)).toBeNull();
    });

    it('keeps the first acceptance of a version, and counts acceptances per version as recorded', async () => {
      const { terms, db, clock } = await setup();
      const ana = await seedUser(db.sql, { name: 'Ana' });
      const ben = await seedUser(db.sql, { name: 'Ben' });
      await terms.recordAcceptance({ userId: ana, version: '1', at: clock.now - day, ip: null });
      await terms.accept({ userId: ana, version: 1, ip: '192.0.2.9' });
      await terms.accept({ userId: ben, version: 1, ip: null });
      // A name from before versions were numbers is older than every version.
      await terms.recordAcceptance({ userId: ben, version: '2026-11-01', at: 0, ip: null });
      const accepted = await db.sql.all<{ accepted_at: number; ip: string | null }>(
        'SELECT accepted_at, ip FROM terms_acceptances WHERE user_id = ?',
        [ana],
      );
      expect(accepted).toEqual([{ accepted_at: clock.now - day, ip: null }]);
      expect(await terms.acceptanceCounts()).toEqual(
        new Map([
          ['1', 2],
          ['2026-11-01', 1],
        ]),
      );
      expect(await terms.acceptedBy(ben)).toBe(1);
    });

    it('lists the users who have not accepted a version or a later one', async () => {
      const { terms, db, clock, publish, operatorId } = await setup();
      const ana = await seedUser(db.sql, { name: 'Ana' });
      const ben = await seedUser(db.sql, { name: 'Ben' });
      const cy = await seedUser(db.sql, { name: 'Cy' });
      await publish(clock.now + day);
      await publish(clock.now + 2 * day);
      await terms.accept({ userId: ana, version: 2, ip: null });
      await terms.accept({ userId: ben, version: 3, ip: null });
      await terms.accept({ userId: cy, version: 1, ip: null });
      expect((await terms.usersBehind(2)).sort()).toEqual([cy, operatorId].sort());
      expect((await terms.usersBehind(3)).sort()).toEqual([ana, cy, operatorId].sort());
    });

    it('keeps the announcement of each version resumable: its cursor, then done', async () => {
      const { terms, clock, publish } = await setup();
      const second = await publish(clock.now + day, 'two');
      await publish(clock.now + 2 * day, 'three');
      expect(await terms.pendingAnnouncement()).toEqual({
        version: 2,
        effectiveAt: second.effectiveAt,
        changes: 'two',
        cursor: null,
      });
      await terms.advanceAnnouncement(2, 'user-42');
      expect((await terms.pendingAnnouncement())?.cursor).toBe('user-42');
      await terms.markAnnounced(2);
      expect(await terms.pendingAnnouncement()).toMatchObject({ version: 3, cursor: null });
      expect((await terms.get(2))?.announced).toBe(true);
    });

    it('gives two processes publishing at once two versions, one after the other', async () => {
      const { terms, clock, operatorId, another } = await setup();
      const other = await another();
      const published = await Promise.all(
        [terms, other].map((store, i) =>
          store.publish({
            text: `text ${i}`,
            changes: `from process ${i}`,
            effectiveAt: clock.now + day,
            publishedBy: operatorId,
          }),
        ),
      );
      expect(published.map((v) => v.version).sort()).toEqual([2, 3]);
      expect((await terms.list()).map((v) => v.version)).toEqual([3, 2, 1]);
    });
  });
}
