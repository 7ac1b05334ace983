import { describe, expect, it } from 'vitest';
import type { AsyncSupportGrantStore } from '../support/SupportGrantStore.ts';
import { SupportAuditAction } from '../support/SupportGrants.ts';
import { closedAfterEach, type StoreFixture } from './storeBackends.ts';
import { seedUser, seedWorkspace } from './controlPlaneSeed.ts';

const hour = 60 * 60 * 1000;

/** What every SupportGrantStore does, on SQLite (wrapped or on the seam) and on PostgreSQL. */
export function describeSupportGrantStoreContract(
  engine: string,
  open: () => Promise<StoreFixture<AsyncSupportGrantStore>>,
): void {
  describe(`SupportGrantStore on ${engine}`, () => {
    const openOne = closedAfterEach(open);
    const setup = async () => {
      const fixture = await openOne();
      const grants = fixture.store;
      const sql = fixture.db.sql;
      const ownerId = await seedUser(sql, { name: 'Ana' });
      const operatorId = await seedUser(sql, { name: 'Olga', operator: true });
      const workspaceId = await seedWorkspace(sql, { ownerId, slug: 'acme' });
      const grant = (durationMs = 2 * hour, access: 'read' | 'write' = 'read') =>
        grants.create({
          workspaceId,
          grantedBy: ownerId,
          reason: 'Sync problem',
          access,
          durationMs,
        });
      /** An audit entry as the support middleware and DeskSyncAuth write them. */
      const audited = (action: string, grantId: string) =>
        sql.run(
          `INSERT INTO audit_log (at, actor_kind, actor_user_id, action, target_kind, target_id, workspace_id, details)
           VALUES (?, 'operator', ?, ?, 'workspace', ?, ?, ?)`,
          [
            fixture.clock.now,
            operatorId,
            action,
            workspaceId,
            workspaceId,
            JSON.stringify({ grantId }),
          ],
        );
      return { ...fixture, grants, ownerId, operatorId, workspaceId, grant, audited };
    };

    it('makes a grant until a time, and lists the workspace’s grants newest first', async () => {
      const { grants, clock, grant, ownerId, workspaceId } = await setup();
      const first = await grant(2 * hour, 'write');
      expect(first).toEqual({
        id: first.id,
        workspaceId,
        reason: 'Sync problem',
        access: 'write',
        status: 'active',
        createdAt: clock.now,
        expiresAt: clock.now + 2 * hour,
        grantedBy: { userId: ownerId, displayName: 'Ana' },
        revokedAt: null,
        revokedBy: null,
        activity: { requests: 0, documentsOpened: 0 },
      });
      clock.now += 1;
      const second = await grant();
      expect(await grants.get(workspaceId, first.id)).toEqual(first);
      expect(await grants.get('elsewhere', first.id)).toBeNull();
      expect((await grants.list(workspaceId)).map((g) => g.id)).toEqual([second.id, first.id]);
    });

    it('counts what operators did under each grant from the audit log', async () => {
      const { grants, grant, audited, workspaceId } = await setup();
      const one = await grant();
      const other = await grant();
      await audited(SupportAuditAction.request, one.id);
      await audited(SupportAuditAction.request, one.id);
      await audited(SupportAuditAction.documentOpened, one.id);
      await audited(SupportAuditAction.request, other.id);
      await audited(SupportAuditAction.granted, one.id);
      expect((await grants.get(workspaceId, one.id))?.activity).toEqual({
        requests: 2,
        documentsOpened: 1,
      });
      expect((await grants.get(workspaceId, other.id))?.activity).toEqual({
        requests: 1,
        documentsOpened: 0,
      });
    });

    it('revokes an active grant once; an expired one is not revoked', async () => {
      const { grants, clock, grant, ownerId, workspaceId } = await setup();
      const active = await grant(2 * hour);
      const short = await grant(hour);
      clock.now += 10;
      const revoked = await grants.revoke(workspaceId, active.id, ownerId);
      expect(revoked).toMatchObject({
        status: 'revoked',
        revokedAt: clock.now,
        revokedBy: { userId: ownerId, displayName: 'Ana' },
      });
      expect(await grants.revoke(workspaceId, active.id, ownerId)).toBeNull();
      clock.now = short.expiresAt;
      expect(await grants.revoke(workspaceId, short.id, ownerId)).toBeNull();
      expect((await grants.get(workspaceId, short.id))?.status).toBe('expired');
    });

    it('lists the active grants with their workspace, then the expiries due until noticed', async () => {
      const { grants, clock, grant, ownerId, workspaceId } = await setup();
      const long = await grant(3 * hour);
      const short = await grant(hour);
      const revoked = await grant(2 * hour);
      await grants.revoke(workspaceId, revoked.id, ownerId);
      expect(await grants.active()).toEqual(
        [short, long].map((g) => ({
          grantId: g.id,
          workspace: { id: workspaceId, slug: 'acme', name: 'ACME' },
          reason: 'Sync problem',
          access: 'read',
          createdAt: g.createdAt,
          expiresAt: g.expiresAt,
          grantedBy: 'Ana',
        })),
      );
      expect(await grants.nextExpiry()).toBe(short.expiresAt);
      expect(await grants.dueExpiries()).toEqual([]);

      clock.now = short.expiresAt;
      expect((await grants.active()).map((g) => g.grantId)).toEqual([long.id]);
      expect((await grants.dueExpiries()).map((g) => [g.id, g.status])).toEqual([
        [short.id, 'expired'],
      ]);
      expect(await grants.markExpiryNoticed(short.id)).toBe(true);
      expect(await grants.markExpiryNoticed(short.id)).toBe(false); // noticed once
      expect(await grants.dueExpiries()).toEqual([]);
      expect(await grants.nextExpiry()).toBe(long.expiresAt);
    });

    it('names the operators a grant lets in', async () => {
      const { grants, operatorId } = await setup();
      expect(await grants.operatorIds()).toEqual([operatorId]);
    });

    it('notices an expiry once when two processes notice it at once', async () => {
      const { grants, grant, another, clock } = await setup();
      const other = await another();
      const target = await grant();
      clock.now = target.expiresAt;
      const noticed = await Promise.all(
        [grants, other].map((store) => store.markExpiryNoticed(target.id)),
      );
      expect(noticed.sort()).toEqual([false, true]);
    });

    it('revokes a grant once when two processes revoke it at once', async () => {
      const { grants, grant, ownerId, workspaceId, another } = await setup();
      const other = await another();
      const target = await grant();
      const results = await Promise.all(
        [grants, other].map((store) => store.revoke(workspaceId, target.id, ownerId)),
      );
      expect(results.filter((r) => r !== null)).toHaveLength(1);
    });
  });
}
