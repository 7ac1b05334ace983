import { afterEach, describe, expect, it } from 'vitest';
import type { AsyncAuditStore } from '../audit/AuditStore.ts';
import type { AsyncSubscriptionStore } from '../billing/SubscriptionStore.ts';
import { DAY_MS } from '../billing/SubscriptionState.ts';
import type { ControlPlaneDatabase } from './controlPlaneDatabases.ts';

export interface SubscriptionStoreFixture {
  readonly db: ControlPlaneDatabase;
  readonly audit: AsyncAuditStore;
  readonly subscriptions: AsyncSubscriptionStore;
  readonly clock: { now: number };
  /** Another process's store: its own connection to the same database. */
  readonly another: () => Promise<AsyncSubscriptionStore>;
}

const actor = { kind: 'operator' as const, userId: null };

/** What every SubscriptionStore does, on SQLite (wrapped or on the seam) and on PostgreSQL. */
export function describeSubscriptionStoreContract(
  engine: string,
  open: () => Promise<SubscriptionStoreFixture>,
): void {
  describe(`SubscriptionStore on ${engine}`, () => {
    const opened: SubscriptionStoreFixture[] = [];
    afterEach(async () => {
      for (const fixture of opened.splice(0)) await fixture.db.close();
    });
    async function setup() {
      const f = await open();
      opened.push(f);
      const start = f.clock.now;
      const sql = f.db.sql;
      await sql.run(
        `INSERT INTO users (id, email, display_name, password_hash, created_at, updated_at)
         VALUES ('u1', 'u1@example.com', 'U', 'x', 0, 0)`,
      );
      await sql.run(
        `INSERT INTO customers (id, kind, name, owner_user_id, created_at) VALUES ('c1', 'person', 'U', 'u1', 0)`,
      );
      await sql.run(
        `INSERT INTO workspaces (id, customer_id, slug, name, created_at) VALUES ('w1', 'c1', 'w', 'W', 0)`,
      );
      await f.subscriptions.startTrial('w1');
      return { ...f, start, workspaceId: 'w1' };
    }

    it('starts a 14-day trial of the trial plan, which expires into read-only', async () => {
      const { subscriptions, workspaceId, start, clock } = await setup();
      expect(await subscriptions.get(workspaceId)).toMatchObject({
        planId: 'trial',
        state: 'trialing',
        trialEndsAt: start + 14 * DAY_MS,
      });
      expect(await subscriptions.get('none')).toBeNull();
      await expect(subscriptions.require('none')).rejects.toMatchObject({ code: 'not_found' });
      clock.now = start + 14 * DAY_MS;
      expect(await subscriptions.expiredTrials()).toEqual([workspaceId]);
      expect(await subscriptions.view(workspaceId)).toMatchObject({
        state: 'suspended',
        readOnlyReason: 'trial_expired',
      });
    });

    it('records termination with a deletion date 30 days later, forgotten on reactivation', async () => {
      const { subscriptions, workspaceId, start, clock } = await setup();
      expect(await subscriptions.transition(workspaceId, 'terminated', { actor })).toBe(true);
      expect(await subscriptions.get(workspaceId)).toMatchObject({
        state: 'terminated',
        terminatedAt: start,
        deleteAfter: start + 30 * DAY_MS,
      });
      clock.now = start + 30 * DAY_MS - 1;
      expect(await subscriptions.dueForDeletion()).toEqual([]);
      clock.now = start + 30 * DAY_MS;
      expect(await subscriptions.dueForDeletion()).toEqual([workspaceId]);
      await subscriptions.transition(workspaceId, 'active', { actor });
      expect(await subscriptions.get(workspaceId)).toMatchObject({
        deleteAfter: null,
        terminatedAt: null,
      });
      expect(await subscriptions.dueForDeletion()).toEqual([]);
    });

    it('reports an unchanged state as no change, records each change in the audit log, refuses an impossible one', async () => {
      const { subscriptions, audit, workspaceId } = await setup();
      expect(await subscriptions.transition(workspaceId, 'active', { actor, note: 'paid' })).toBe(
        true,
      );
      expect(await subscriptions.transition(workspaceId, 'active', { actor })).toBe(false);
      expect(await audit.list({ workspaceId })).toEqual([
        expect.objectContaining({
          action: 'subscription.state_changed',
          targetId: workspaceId,
          details: { from: 'trialing', to: 'active', note: 'paid' },
        }),
      ]);
      await subscriptions.transition(workspaceId, 'terminated', { actor });
      await expect(
        subscriptions.transition(workspaceId, 'past_due', { actor }),
      ).rejects.toMatchObject({ code: 'invalid_state_transition', status: 409 });
    });

    it('uses the custom seat limit over the plan’s, and the plan’s again when cleared', async () => {
      const { subscriptions, workspaceId } = await setup();
      await subscriptions.setSeatLimitOverride(workspaceId, 12, actor);
      expect((await subscriptions.view(workspaceId)).seatLimit).toBe(12);
      await subscriptions.setSeatLimitOverride(workspaceId, null, actor);
      expect((await subscriptions.view(workspaceId)).seatLimit).toBe(5);
    });

    it('extends an expired trial back into trial, and activates on a paid plan', async () => {
      const { subscriptions, audit, workspaceId, start, clock } = await setup();
      clock.now = start + 15 * DAY_MS;
      await subscriptions.transition(workspaceId, 'suspended', {
        actor,
        suspendedReason: 'trial_expired',
      });
      await subscriptions.setTrialEnd(workspaceId, clock.now + 7 * DAY_MS, actor);
      expect(await subscriptions.view(workspaceId)).toMatchObject({
        state: 'trialing',
        readOnlyReason: null,
      });
      await subscriptions.assign(workspaceId, { planId: 'team', seatLimit: 20 }, actor);
      expect(await subscriptions.view(workspaceId)).toMatchObject({
        state: 'active',
        seatLimit: 20,
        plan: { id: 'team' },
      });
      expect((await audit.list({ workspaceId, limit: 3 })).map((e) => e.action)).toEqual([
        'subscription.state_changed',
        'subscription.plan_changed',
        'subscription.seat_limit_changed',
      ]);
      await expect(
        subscriptions.setTrialEnd(workspaceId, clock.now + DAY_MS, actor),
      ).rejects.toMatchObject({ code: 'invalid_state_transition' });
    });

    it('moves a subscription once when two processes make the same change at once', async () => {
      const f = await setup();
      const other = await f.another();
      const changed = await Promise.all(
        [f.subscriptions, other, f.subscriptions, other].map((store) =>
          store.transition(f.workspaceId, 'terminated', { actor }),
        ),
      );
      expect(changed.filter(Boolean)).toHaveLength(1);
      expect(await f.audit.list({ workspaceId: f.workspaceId })).toHaveLength(1);
    });
  });
}
