import { describe, expect, it } from 'vitest';
import type { AsyncSecurityReportStore } from '../auth/SecurityReports.ts';
import { seedUser } from './controlPlaneSeed.ts';
import { closedAfterEach, type StoreFixture } from './storeBackends.ts';

/** What every SecurityReportStore does, on SQLite (wrapped or on the seam) and on PostgreSQL. */
export function describeSecurityReportStoreContract(
  engine: string,
  open: () => Promise<StoreFixture<AsyncSecurityReportStore>>,
): void {
  describe(`SecurityReportStore on ${engine}`, () => {
    const openOne = closedAfterEach(open);

    it('records reports of unauthorized use and lists the newest first, with the user', async () => {
      const { store: reports, db, clock } = await openOne();
      const ana = await seedUser(db.sql, { name: 'Ana' });
      const ben = await seedUser(db.sql, { name: 'Ben' });
      const first = await reports.recordUnauthorizedUse({
        userId: ana,
        note: 'Not me',
        ip: '192.0.2.1',
        userAgent: 'Firefox',
        sessionsEnded: 3,
      });
      clock.now += 1;
      const second = await reports.recordUnauthorizedUse({
        userId: ben,
        note: null,
        ip: null,
        userAgent: null,
        sessionsEnded: 0,
      });
      expect(await reports.latest(10)).toEqual([
        {
          id: second,
          user: { id: ben, email: 'ben@example.com', displayName: 'Ben' },
          kind: 'unauthorized_use',
          note: null,
          ip: null,
          userAgent: null,
          sessionsEnded: 0,
          createdAt: clock.now,
        },
        {
          id: first,
          user: { id: ana, email: 'ana@example.com', displayName: 'Ana' },
          kind: 'unauthorized_use',
          note: 'Not me',
          ip: '192.0.2.1',
          userAgent: 'Firefox',
          sessionsEnded: 3,
          createdAt: clock.now - 1,
        },
      ]);
      expect((await reports.latest(1)).map((r) => r.id)).toEqual([second]);
      expect(await reports.deleteForUser(ana)).toBe(1);
      expect((await reports.latest(10)).map((r) => r.id)).toEqual([second]);
    });
  });
}
