import { afterEach, describe, expect, it } from 'vitest';
import type { AsyncAuditStore } from '../audit/AuditStore.ts';
import type { AsyncUserStore } from '../identity/UserStore.ts';
import type { ControlPlaneDatabase } from './controlPlaneDatabases.ts';

export interface AuditStoreFixture {
  readonly db: ControlPlaneDatabase;
  readonly users: AsyncUserStore;
  readonly audit: AsyncAuditStore;
  readonly clock: { now: number };
}

/** What every AuditStore does, on SQLite (wrapped or on the seam) and on PostgreSQL. */
export function describeAuditStoreContract(
  engine: string,
  open: () => Promise<AuditStoreFixture>,
): void {
  describe(`AuditStore on ${engine}`, () => {
    const opened: AuditStoreFixture[] = [];
    const setup = async () => {
      const fixture = await open();
      opened.push(fixture);
      return fixture;
    };
    afterEach(async () => {
      for (const fixture of opened.splice(0)) await fixture.db.close();
    });

    it('records entries with increasing ids and lists them newest first with the actor’s name', async () => {
      const { audit, users, clock } = await setup();
      const operatorId = await users.create({
        email: 'op@example.com',
        displayName: 'Olga',
        passwordHash: 'h',
      });
      const first = await audit.record({
        actor: { kind: 'operator', userId: operatorId },
        action: 'user.suspended',
        target: { kind: 'user', id: 'u1' },
        details: { reason: 'abuse', count: 2 },
      });
      clock.now += 1;
      const second = await audit.record({
        actor: { kind: 'billing', userId: null },
        action: 'subscription.state_changed',
        target: { kind: 'subscription', id: 'w1' },
        workspaceId: 'w1',
        customerId: 'c1',
      });
      expect(second).toBeGreaterThan(first);
      expect(await audit.list()).toEqual([
        {
          id: second,
          at: clock.now,
          actorKind: 'billing',
          actorUserId: null,
          actorDisplayName: null,
          action: 'subscription.state_changed',
          targetKind: 'subscription',
          targetId: 'w1',
          workspaceId: 'w1',
          customerId: 'c1',
          details: {},
        },
        {
          id: first,
          at: clock.now - 1,
          actorKind: 'operator',
          actorUserId: operatorId,
          actorDisplayName: 'Olga',
          action: 'user.suspended',
          targetKind: 'user',
          targetId: 'u1',
          workspaceId: null,
          customerId: null,
          details: { reason: 'abuse', count: 2 },
        },
      ]);
    });

    it('filters by workspace and target, and pages with before and limit', async () => {
      const { audit } = await setup();
      const ids: number[] = [];
      for (let i = 0; i < 5; i++) {
        ids.push(
          await audit.record({
            actor: { kind: 'system', userId: null },
            action: 'subscription.state_changed',
            target: { kind: 'subscription', id: i % 2 === 0 ? 'even' : 'odd' },
            workspaceId: i < 3 ? 'w1' : 'w2',
          }),
        );
      }
      const idsOf = (entries: { id: number }[]) => entries.map((e) => e.id);
      expect(idsOf(await audit.list({ workspaceId: 'w1' }))).toEqual(ids.slice(0, 3).reverse());
      expect(idsOf(await audit.list({ targetId: 'odd' }))).toEqual([ids[3], ids[1]]);
      expect(idsOf(await audit.list({ limit: 2 }))).toEqual([ids[4], ids[3]]);
      expect(idsOf(await audit.list({ before: ids[3]!, limit: 2 }))).toEqual([ids[2], ids[1]]);
      expect(idsOf(await audit.list({ workspaceId: 'w2', targetId: 'even' }))).toEqual([ids[4]]);
    });
  });
}
