import { describe, expect, it } from 'vitest';
import type { AsyncCustomerDirectory } from '../operator/CustomerDirectory.ts';
import { seedUser, seedWorkspace } from './controlPlaneSeed.ts';
import { closedAfterEach, type StoreFixture } from './storeBackends.ts';

const day = 24 * 60 * 60 * 1000;
const page = { limit: 10, offset: 0 };

/**
 * What every CustomerDirectory does, on SQLite (wrapped or on the seam) and on PostgreSQL:
 * customers and users found by name, email, phone or workspace address, whatever the case,
 * with each workspace's plan, state and seats.
 */
export function describeCustomerDirectoryContract(
  engine: string,
  open: () => Promise<StoreFixture<AsyncCustomerDirectory>>,
): void {
  describe(`CustomerDirectory on ${engine}`, () => {
    const openOne = closedAfterEach(open);
    const setup = async () => {
      const fixture = await openOne();
      const sql = fixture.db.sql;
      const at = fixture.clock.now;
      const ana = await seedUser(sql, { name: 'Ana', at });
      await sql.run('UPDATE users SET phone = ? WHERE id = ?', ['+44 20 7946 0000', ana]);
      fixture.clock.now += 1;
      const ben = await seedUser(sql, { name: 'Ben', at: at + 1 });
      const acme = await seedWorkspace(sql, { ownerId: ana, slug: 'acme', at });
      const beta = await seedWorkspace(sql, { ownerId: ben, slug: 'beta_100%', at: at + 1 });
      for (const workspaceId of [acme, beta]) {
        await sql.run(
          `INSERT INTO subscriptions (workspace_id, plan_id, state, trial_ends_at, state_changed_at,
                                      created_at, updated_at)
           VALUES (?, 'trial', 'trialing', ?, ?, ?, ?)`,
          [workspaceId, at + 30 * day, at, at, at],
        );
      }
      await sql.run(
        'UPDATE customers SET name = ? WHERE id = (SELECT customer_id FROM workspaces WHERE id = ?)',
        ['Acme Corp', acme],
      );
      return { ...fixture, directory: fixture.store, ana, ben, acme, beta };
    };

    it('finds a customer by its name, its owner or a workspace address, whatever the case', async () => {
      const { directory, ana, acme, clock } = await setup();
      const found = await directory.search('corp', page);
      expect(found.total).toBe(1);
      expect(found.customers[0]).toMatchObject({
        kind: 'organization',
        name: 'Acme Corp',
        owner: { id: ana, displayName: 'Ana', email: 'ana@example.com', status: 'active' },
        workspaces: [
          {
            id: acme,
            slug: 'acme',
            name: 'ACME',
            plan: { id: 'trial' },
            state: 'trialing',
            seats: { used: 1 },
            seatLimitOverride: null,
            trialEndsAt: clock.now - 1 + 30 * day,
            deleteAfter: null,
          },
        ],
      });
      expect((await directory.search('CORP', page)).total).toBe(1);
      expect((await directory.search('ana@EXAMPLE', page)).total).toBe(1);
      expect((await directory.search('7946', page)).total).toBe(1);
      // The query's own % and _ match themselves, not anything.
      expect((await directory.search('_100%', page)).customers.map((c) => c.name)).toEqual([
        'beta_100%',
      ]);
      expect((await directory.search('a_m', page)).total).toBe(0);
    });

    it('lists customers newest first, a page at a time, with the total', async () => {
      const { directory } = await setup();
      const all = await directory.search('', page);
      expect(all.customers.map((c) => c.name)).toEqual(['beta_100%', 'Acme Corp']);
      const second = await directory.search('', { limit: 1, offset: 1 });
      expect([second.total, second.customers.map((c) => c.name)]).toEqual([2, ['Acme Corp']]);
    });

    it('finds user accounts with the number of their workspaces', async () => {
      const { directory, ana, ben } = await setup();
      expect(await directory.searchUsers('', page)).toMatchObject({
        total: 2,
        users: [
          { id: ben, displayName: 'Ben', workspaceCount: 1, platformRole: null },
          { id: ana, email: 'ana@example.com', phone: '+44 20 7946 0000', workspaceCount: 1 },
        ],
      });
      expect((await directory.searchUsers('BEN', page)).users.map((u) => u.id)).toEqual([ben]);
      expect((await directory.searchUsers('nobody', page)).total).toBe(0);
    });
  });
}
