import { describe, expect, it } from 'vitest';
import type { AsyncWorkspaceDeletionStore } from '../workspaces/WorkspaceDeletionStore.ts';
import { seedUser, seedWorkspace } from './controlPlaneSeed.ts';
import { closedAfterEach, type StoreFixture } from './storeBackends.ts';

const day = 24 * 60 * 60 * 1000;

/**
 * What every WorkspaceDeletionStore does, on SQLite (wrapped or on the seam) and on
 * PostgreSQL: the schedule, its warnings, the owner it mails and the terminated
 * subscriptions it purges after their grace.
 */
export function describeWorkspaceDeletionStoreContract(
  engine: string,
  open: () => Promise<StoreFixture<AsyncWorkspaceDeletionStore>>,
): void {
  describe(`WorkspaceDeletionStore on ${engine}`, () => {
    const openOne = closedAfterEach(open);
    const setup = async () => {
      const fixture = await openOne();
      const sql = fixture.db.sql;
      const ownerId = await seedUser(sql, { name: 'Ana' });
      const acme = await seedWorkspace(sql, { ownerId, slug: 'acme' });
      const beta = await seedWorkspace(sql, { ownerId, slug: 'beta' });
      return { ...fixture, deletions: fixture.store, ownerId, acme, beta };
    };

    it('closes a workspace until its purge date, lists what is due, and reopens it', async () => {
      const { deletions, clock, ownerId, acme, beta } = await setup();
      const closed = {
        workspaceId: acme,
        reason: 'owner_request' as const,
        requestedBy: ownerId,
        requestedAt: clock.now,
        purgeAfter: clock.now + 30 * day,
      };
      await deletions.schedule(closed);
      await deletions.schedule({
        workspaceId: beta,
        reason: 'subscription_terminated',
        requestedBy: null,
        requestedAt: clock.now,
        purgeAfter: clock.now + 10 * day,
      });
      expect(await deletions.pending(acme)).toEqual(closed);
      expect(await deletions.due(clock.now + 9 * day)).toEqual([]);
      expect((await deletions.due(clock.now + 30 * day)).map((d) => d.workspaceId)).toEqual([
        beta,
        acme,
      ]);
      expect(await deletions.cancel(acme)).toBe(true);
      expect(await deletions.cancel(acme)).toBe(false);
      expect(await deletions.pending(acme)).toBeNull();
      await expect(deletions.schedule({ ...closed, workspaceId: beta })).rejects.toThrow();
    });

    it('remembers each warning sent before a purge, once', async () => {
      const { deletions, another, clock, acme } = await setup();
      const purgeAfter = clock.now + 30 * day;
      expect(await deletions.warned(acme, purgeAfter, 7)).toBe(false);
      const other = await another();
      await Promise.all([
        deletions.recordWarning(acme, purgeAfter, 7),
        other.recordWarning(acme, purgeAfter, 7),
      ]);
      expect(await deletions.warned(acme, purgeAfter, 7)).toBe(true);
      expect(await deletions.warned(acme, purgeAfter, 1)).toBe(false);
      // A new purge date (closed again after a cancel) is warned afresh.
      expect(await deletions.warned(acme, purgeAfter + day, 7)).toBe(false);
    });

    it('names the owner the warnings go to', async () => {
      const { deletions, ownerId, acme } = await setup();
      expect(await deletions.owner(acme)).toEqual({
        userId: ownerId,
        email: 'ana@example.com',
        displayName: 'Ana',
      });
      expect(await deletions.owner('nowhere')).toBeNull();
    });

    it('lists terminated subscriptions with the end of their grace, soonest first', async () => {
      const { deletions, db, clock, acme, beta } = await setup();
      const subscribe = (workspaceId: string, state: string, deleteAfter: number | null) =>
        db.sql.run(
          `INSERT INTO subscriptions (workspace_id, plan_id, state, terminated_at, delete_after,
                                      state_changed_at, created_at, updated_at)
           VALUES (?, 'team', ?, ?, ?, ?, ?, ?)`,
          [
            workspaceId,
            state,
            state === 'terminated' ? clock.now : null,
            deleteAfter,
            clock.now,
            clock.now,
            clock.now,
          ],
        );
      await subscribe(acme, 'terminated', clock.now + 60 * day);
      await subscribe(beta, 'terminated', clock.now + 30 * day);
      expect(await deletions.terminated()).toEqual([
        { workspaceId: beta, deleteAfter: clock.now + 30 * day, terminatedAt: clock.now },
        { workspaceId: acme, deleteAfter: clock.now + 60 * day, terminatedAt: clock.now },
      ]);
      await db.sql.run(
        `UPDATE subscriptions SET state = 'active', terminated_at = NULL, delete_after = NULL
          WHERE workspace_id = ?`,
        [acme],
      );
      expect((await deletions.terminated()).map((t) => t.workspaceId)).toEqual([beta]);
    });
  });
}
