import { afterEach, describe, expect, it } from 'vitest';
import type { AsyncUserStore } from '../identity/UserStore.ts';
import type { AsyncMembershipStore } from '../workspaces/MembershipStore.ts';
import type { AsyncWorkspaceStore } from '../workspaces/WorkspaceStore.ts';
import type { ControlPlaneDatabase } from './controlPlaneDatabases.ts';

export interface WorkspaceStoreFixture {
  readonly db: ControlPlaneDatabase;
  readonly users: AsyncUserStore;
  readonly memberships: AsyncMembershipStore;
  readonly workspaces: AsyncWorkspaceStore;
  readonly clock: { now: number };
  /** Another process's workspace store: its own connection to the same database. */
  readonly another: () => Promise<AsyncWorkspaceStore>;
}

const day = 24 * 60 * 60 * 1000;

/** What every WorkspaceStore does, on SQLite (wrapped or on the seam) and on PostgreSQL. */
export function describeWorkspaceStoreContract(
  engine: string,
  open: () => Promise<WorkspaceStoreFixture>,
): void {
  describe(`WorkspaceStore on ${engine}`, () => {
    const opened: WorkspaceStoreFixture[] = [];
    afterEach(async () => {
      for (const fixture of opened.splice(0)) await fixture.db.close();
    });
    async function setup() {
      const f = await open();
      opened.push(f);
      const ownerId = await f.users.create({
        email: 'owner@example.com',
        displayName: 'Owner',
        passwordHash: 'h',
      });
      return { ...f, ownerId };
    }
    const acme = (ownerUserId: string, slug = 'acme') => ({
      ownerUserId,
      customer: { kind: 'organization' as const, name: ' Acme Ltd ' },
      workspace: { name: ' Acme support ', slug: ` ${slug.toUpperCase()} ` },
    });

    it("creates a customer's workspace in trial with the owner's seat", async () => {
      const { workspaces, ownerId, clock } = await setup();
      const { customerId, workspaceId } = await workspaces.createWithCustomer(acme(ownerId));
      const row = await workspaces.bySlug('ACME');
      expect(row).toEqual({
        id: workspaceId,
        customerId,
        slug: 'acme',
        name: 'Acme support',
        createdAt: clock.now,
      });
      expect(await workspaces.byId(workspaceId)).toEqual(row);
      expect(await workspaces.byId('none')).toBeNull();
      expect(await workspaces.ofUser(ownerId)).toEqual([
        { id: workspaceId, slug: 'acme', name: 'Acme support', role: 'owner' },
      ]);
      expect(await workspaces.customersOwnedBy(ownerId)).toEqual([customerId]);
      const payload = await workspaces.payload(row!, ownerId);
      expect(payload?.workspace).toMatchObject({
        role: 'owner',
        state: 'trialing',
        readOnly: false,
        plan: { id: 'trial', seatLimit: 5 },
        seats: { used: 1, limit: 5, pendingInvitations: 0 },
        trialEndsAt: clock.now + 14 * day,
        customer: { id: customerId, name: 'Acme Ltd', isCustomerOwner: true },
      });
      expect(payload?.members.map((m) => [m.userId, m.role])).toEqual([[ownerId, 'owner']]);
      expect(payload?.deletedUserIds).toEqual([]);
      expect((await workspaces.seats(workspaceId)).history).toHaveLength(1);
    });

    it('refuses a bad name or address, and an address taken', async () => {
      const { workspaces, ownerId } = await setup();
      await workspaces.createWithCustomer(acme(ownerId));
      await expect(
        workspaces.createWithCustomer({
          ...acme(ownerId, 'other'),
          customer: { kind: 'person', name: ' ' },
        }),
      ).rejects.toMatchObject({ code: 'validation_failed' });
      await expect(workspaces.createWithCustomer(acme(ownerId))).rejects.toMatchObject({
        code: 'slug_taken',
        status: 409,
      });
      await expect(
        workspaces.checkNew({
          customer: { kind: 'person', name: 'Bo' },
          workspace: { name: 'x', slug: 'Acme' },
        }),
      ).rejects.toMatchObject({ code: 'slug_taken' });
      // Nothing of the refused ones was written.
      expect(await workspaces.customersOwnedBy(ownerId)).toHaveLength(1);
    });

    it('adds another workspace to a customer, renames, and hides a workspace from non-members', async () => {
      const { workspaces, users, ownerId, clock } = await setup();
      const { customerId } = await workspaces.createWithCustomer(acme(ownerId));
      // Oldest membership first: a later instant, so the order does not rest on a tie.
      clock.now += 1000;
      const { workspaceId } = await workspaces.createForCustomer({
        customerId,
        ownerUserId: ownerId,
        workspace: { name: 'Second', slug: 'acme-two' },
      });
      await workspaces.rename(workspaceId, 'Second desk');
      expect((await workspaces.ofUser(ownerId)).map((w) => w.name)).toEqual([
        'Acme support',
        'Second desk',
      ]);
      const strangerId = await users.create({
        email: 'stranger@example.com',
        displayName: 'S',
        passwordHash: 'h',
      });
      expect(
        await workspaces.payload((await workspaces.byId(workspaceId))!, strangerId),
      ).toBeNull();
    });

    it('shows an operator under a support grant as its access, and former members deleted since', async () => {
      const { workspaces, users, memberships, db, ownerId, clock } = await setup();
      const { workspaceId } = await workspaces.createWithCustomer(acme(ownerId));
      const operatorId = await users.create({
        email: 'op@example.com',
        displayName: 'Op',
        passwordHash: 'h',
      });
      await users.makeOperator(operatorId);
      await db.sql.run(
        `INSERT INTO support_grants (id, workspace_id, granted_by, reason, access, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?, ?)`,
        [
          'g-read',
          workspaceId,
          ownerId,
          'look',
          'read',
          clock.now,
          clock.now + day,
          'g-write',
          workspaceId,
          ownerId,
          'fix',
          'write',
          clock.now,
          clock.now + day,
        ],
      );
      const row = (await workspaces.byId(workspaceId))!;
      expect((await workspaces.payload(row, operatorId))?.workspace).toMatchObject({
        role: 'agent',
        readOnly: false,
        support: { grantId: 'g-write', access: 'write', expiresAt: clock.now + day },
      });
      const formerId = await users.create({
        email: 'former@example.com',
        displayName: 'Former',
        passwordHash: 'h',
      });
      await memberships.add({ workspaceId, userId: formerId, role: 'agent', actorUserId: ownerId });
      await memberships.remove({ workspaceId, actorUserId: formerId, userId: formerId });
      await users.anonymise(formerId, `deleted-${formerId}@deleted.invalid`);
      expect((await workspaces.payload(row, ownerId))?.deletedUserIds).toEqual([formerId]);
    });

    it('gives an address to exactly one of two processes creating it at once', async () => {
      const f = await setup();
      const other = await f.another();
      const outcomes = await Promise.allSettled(
        [f.workspaces, other, f.workspaces, other].map((store) =>
          store.createWithCustomer(acme(f.ownerId, 'race')),
        ),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      for (const o of outcomes) {
        if (o.status === 'rejected') expect(o.reason).toMatchObject({ code: 'slug_taken' });
      }
      // The losers left no customer behind.
      expect(await f.workspaces.customersOwnedBy(f.ownerId)).toHaveLength(1);
    });
  });
}
