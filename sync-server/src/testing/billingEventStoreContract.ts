import { describe, expect, it } from 'vitest';
import type { AsyncBillingEventStore } from '../billing/BillingEventStore.ts';
import { seedUser, seedWorkspace } from './controlPlaneSeed.ts';
import { closedAfterEach, type StoreFixture } from './storeBackends.ts';

/**
 * What every BillingEventStore does, on SQLite (wrapped or on the seam) and on PostgreSQL:
 * an event id is recorded once — a replay, or the same event delivered to two processes at
 * once, meets the first's key.
 */
export function describeBillingEventStoreContract(
  engine: string,
  open: () => Promise<StoreFixture<AsyncBillingEventStore>>,
): void {
  describe(`BillingEventStore on ${engine}`, () => {
    const openOne = closedAfterEach(open);
    const setup = async () => {
      const fixture = await openOne();
      const ownerId = await seedUser(fixture.db.sql, { name: 'Ana' });
      const workspaceId = await seedWorkspace(fixture.db.sql, { ownerId, slug: 'acme' });
      return { ...fixture, events: fixture.store, workspaceId };
    };
    const event = (id: string, workspaceId: string) => ({
      id,
      type: 'subscription.activated',
      workspaceId,
      at: 1,
    });

    it('remembers an applied event and refuses to record it twice', async () => {
      const { events, workspaceId } = await setup();
      expect(await events.wasReceived('evt_1')).toBe(false);
      await events.record(event('evt_1', workspaceId));
      expect(await events.wasReceived('evt_1')).toBe(true);
      await expect(events.record(event('evt_1', workspaceId))).rejects.toThrow();
    });

    it('tells whether the workspace an event names exists', async () => {
      const { events, workspaceId } = await setup();
      expect(await events.workspaceExists(workspaceId)).toBe(true);
      expect(await events.workspaceExists('gone')).toBe(false);
      // An event may name a workspace deleted since: it is still recorded.
      await events.record(event('evt_2', 'gone'));
      expect(await events.wasReceived('evt_2')).toBe(true);
    });

    it('records an event delivered to two processes at once once', async () => {
      const { events, workspaceId, another } = await setup();
      const other = await another();
      const recorded = await Promise.allSettled(
        [events, other].map((store) => store.record(event('evt_3', workspaceId))),
      );
      expect(recorded.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    });
  });
}
