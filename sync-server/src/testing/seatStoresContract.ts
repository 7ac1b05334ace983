import { afterEach, describe, expect, it } from 'vitest';
import { until } from '@desk/protocol/testing';
import { tombstoneEmail, type AsyncUserStore } from '../identity/UserStore.ts';
import { newId } from '../ids/newId.ts';
import type { AsyncInvitationStore } from '../workspaces/InvitationStore.ts';
import type { AsyncMembershipStore } from '../workspaces/MembershipStore.ts';
import type { AsyncSeatLedger } from '../workspaces/SeatLedger.ts';
import type { ControlPlaneDatabase } from './controlPlaneDatabases.ts';

/** The stores of one process that hand out seats. */
export interface SeatStores {
  readonly memberships: AsyncMembershipStore;
  readonly invitations: AsyncInvitationStore;
  readonly seats: AsyncSeatLedger;
}

export interface SeatStoresFixture extends SeatStores {
  readonly db: ControlPlaneDatabase;
  readonly users: AsyncUserStore;
  readonly clock: { now: number };
  /** Another process's stores: its own connection to the same database. */
  readonly another: () => Promise<SeatStores>;
}

const day = 24 * 60 * 60 * 1000;

/**
 * Memberships, the seat ledger and invitations, on SQLite (wrapped or on the seam) and on
 * PostgreSQL: the seat rules, and the race — more invitations open than seats left,
 * accepted at once from two processes, gives exactly the limit.
 */
export function describeSeatStoresContract(
  engine: string,
  open: () => Promise<SeatStoresFixture>,
  options: {
    /**
     * Whether a statement of another connection is waiting for a row lock now: given where
     * transactions of two connections interleave (PostgreSQL; SQLite's write transaction
     * holds the whole database, and a second connection in this process would block it).
     */
    readonly lockWaits?: (db: ControlPlaneDatabase) => Promise<boolean>;
  } = {},
): void {
  describe(`Seat stores on ${engine}`, () => {
    const opened: SeatStoresFixture[] = [];
    afterEach(async () => {
      for (const fixture of opened.splice(0)) await fixture.db.close();
    });

    async function setup() {
      const f = await open();
      opened.push(f);
      const user = (name: string) =>
        f.users.create({
          email: `${name}@example.com`,
          displayName: name[0]!.toUpperCase() + name.slice(1),
          passwordHash: 'h',
        });
      const ownerId = await user('owner');
      const customerId = newId();
      const workspaceId = newId();
      const sql = f.db.sql;
      await sql.run(
        'INSERT INTO customers (id, kind, name, owner_user_id, created_at) VALUES (?, ?, ?, ?, ?)',
        [customerId, 'organization', 'Acme', ownerId, f.clock.now],
      );
      await sql.run(
        'INSERT INTO workspaces (id, customer_id, slug, name, created_at) VALUES (?, ?, ?, ?, ?)',
        [workspaceId, customerId, 'acme', 'Acme', f.clock.now],
      );
      await sql.run(
        `INSERT INTO subscriptions (workspace_id, plan_id, state, seat_limit_override, trial_ends_at,
                                    state_changed_at, created_at, updated_at)
         VALUES (?, 'trial', 'trialing', ?, ?, ?, ?, ?)`,
        [workspaceId, 3, f.clock.now + 30 * day, f.clock.now, f.clock.now, f.clock.now],
      );
      await f.memberships.add({
        workspaceId,
        userId: ownerId,
        role: 'owner',
        actorUserId: ownerId,
      });
      const setSeatLimit = (limit: number) =>
        sql.run('UPDATE subscriptions SET seat_limit_override = ? WHERE workspace_id = ?', [
          limit,
          workspaceId,
        ]);
      const invite = (email: string, role: 'admin' | 'agent' | 'viewer' = 'agent') =>
        f.invitations.create({ workspaceId, email, role, invitedBy: ownerId });
      return { ...f, user, ownerId, customerId, workspaceId, setSeatLimit, invite };
    }

    it("counts the owner's seat and records it in the ledger", async () => {
      const { memberships, seats, workspaceId, ownerId, clock } = await setup();
      expect(await memberships.roleOf(workspaceId, ownerId)).toBe('owner');
      expect(await seats.seatsUsed(workspaceId)).toBe(1);
      expect(await seats.history(workspaceId)).toEqual([
        expect.objectContaining({
          userId: ownerId,
          displayName: 'Owner',
          event: 'joined',
          role: 'owner',
          previousRole: null,
          actorUserId: ownerId,
          actorDisplayName: 'Owner',
          seatsAfter: 1,
          at: clock.now,
        }),
      ]);
    });

    it('lists every workspace a user ever held a seat in, also after they were removed', async () => {
      const { invite, invitations, memberships, seats, user, workspaceId, ownerId } = await setup();
      const anaId = await user('ana');
      expect(await seats.workspacesOf(anaId)).toEqual([]);
      const { token } = await invite('ana@example.com');
      await invitations.accept({ token, userId: anaId, userEmail: 'ana@example.com' });
      expect(await seats.workspacesOf(anaId)).toEqual([workspaceId]);
      await memberships.remove({ workspaceId, actorUserId: ownerId, userId: anaId });
      expect(await seats.workspacesOf(anaId)).toEqual([workspaceId]);
      expect(await seats.workspacesOf(ownerId)).toEqual([workspaceId]);
    });

    it('invites within the limit counting open invitations, and renews instead of duplicating', async () => {
      const { invite, invitations, seats, workspaceId } = await setup();
      const first = await invite('ana@example.com');
      expect(first.invitation).toMatchObject({ status: 'pending', sendCount: 1, role: 'agent' });
      const again = await invite('ana@example.com', 'viewer');
      expect(again.invitation).toMatchObject({
        id: first.invitation.id,
        sendCount: 2,
        role: 'viewer',
      });
      await expect(invitations.requireUsable(first.token)).rejects.toMatchObject({
        code: 'invitation_invalid',
      });
      await invite('bo@example.com');
      expect(await seats.openInvitations(workspaceId)).toBe(2);
      // 1 member + 2 open invitations = the limit of 3.
      await expect(invite('cy@example.com')).rejects.toMatchObject({
        code: 'seat_limit_reached',
        status: 409,
      });
      expect((await invitations.list(workspaceId)).map((i) => i.email).sort()).toEqual([
        'ana@example.com',
        'bo@example.com',
      ]);
    });

    it('accepts once, for the invited address only, and records the seat', async () => {
      const { invite, invitations, memberships, seats, user, workspaceId, ownerId } = await setup();
      const { token } = await invite('ana@example.com');
      const anaId = await user('ana');
      const boId = await user('bo');
      await expect(
        invitations.accept({ token, userId: boId, userEmail: 'bo@example.com' }),
      ).rejects.toMatchObject({ code: 'forbidden' });
      const accepted = await invitations.accept({
        token,
        userId: anaId,
        userEmail: 'ana@example.com',
      });
      expect(accepted.change).toEqual({ workspaceId, userId: anaId, role: 'agent' });
      expect(accepted.invitation.status).toBe('accepted');
      expect(await memberships.roleOf(workspaceId, anaId)).toBe('agent');
      expect((await memberships.list(workspaceId)).map((m) => [m.userId, m.role])).toEqual([
        [ownerId, 'owner'],
        [anaId, 'agent'],
      ]);
      expect((await seats.history(workspaceId))[0]).toMatchObject({
        userId: anaId,
        event: 'joined',
        actorUserId: ownerId,
        seatsAfter: 2,
      });
      await expect(
        invitations.accept({ token, userId: anaId, userEmail: 'ana@example.com' }),
      ).rejects.toMatchObject({ code: 'invitation_invalid', status: 410 });
      await expect(invite('ana@example.com')).rejects.toMatchObject({ code: 'already_member' });
    });

    it('refuses revoked and expired links; resending an expired one revives it', async () => {
      const { invite, invitations, user, workspaceId, ownerId, clock } = await setup();
      const revoked = await invite('ana@example.com');
      expect((await invitations.revoke(workspaceId, revoked.invitation.id, ownerId)).status).toBe(
        'revoked',
      );
      await expect(invitations.requireUsable(revoked.token)).rejects.toMatchObject({
        code: 'invitation_invalid',
        status: 404,
      });
      const expiring = await invite('bo@example.com');
      clock.now += 8 * day;
      await expect(invitations.requireUsable(expiring.token)).rejects.toMatchObject({
        code: 'invitation_expired',
      });
      const resent = await invitations.resend(workspaceId, expiring.invitation.id);
      const boId = await user('bo');
      const { change } = await invitations.accept({
        token: resent.token,
        userId: boId,
        userEmail: 'bo@example.com',
      });
      expect(change.role).toBe('agent');
    });

    it('refuses invitations while the workspace is read-only', async () => {
      const { invite, db, workspaceId } = await setup();
      await db.sql.run(
        `UPDATE subscriptions SET state = 'suspended', suspended_reason = 'operator' WHERE workspace_id = ?`,
        [workspaceId],
      );
      await expect(invite('ana@example.com')).rejects.toMatchObject({
        code: 'workspace_suspended',
      });
    });

    it('lets owners and admins manage members as the rules say, and frees seats on removal', async () => {
      const { invite, invitations, memberships, seats, user, workspaceId, ownerId } = await setup();
      const join = async (name: string, role: 'admin' | 'agent') => {
        const { token } = await invite(`${name}@example.com`, role);
        const id = await user(name);
        await invitations.accept({ token, userId: id, userEmail: `${name}@example.com` });
        return id;
      };
      const adminId = await join('ada', 'admin');
      const agentId = await join('abe', 'agent');
      await expect(
        memberships.changeRole({
          workspaceId,
          actorUserId: adminId,
          userId: adminId,
          role: 'agent',
        }),
      ).rejects.toMatchObject({ code: 'forbidden' });
      await expect(
        memberships.remove({ workspaceId, actorUserId: adminId, userId: ownerId }),
      ).rejects.toMatchObject({ code: 'forbidden' });
      expect(
        await memberships.changeRole({
          workspaceId,
          actorUserId: adminId,
          userId: agentId,
          role: 'viewer',
        }),
      ).toEqual({ workspaceId, userId: agentId, role: 'viewer' });
      expect(
        await memberships.remove({ workspaceId, actorUserId: adminId, userId: agentId }),
      ).toEqual({ workspaceId, userId: agentId, role: null });
      expect(await seats.seatsUsed(workspaceId)).toBe(2);
      expect((await seats.history(workspaceId, 2)).map((e) => [e.event, e.seatsAfter])).toEqual([
        ['removed', 2],
        ['role_changed', 3],
      ]);
      const changes = await memberships.transferOwnership({
        workspaceId,
        actorUserId: ownerId,
        newOwnerUserId: adminId,
      });
      expect(changes).toEqual([
        { workspaceId, userId: adminId, role: 'owner' },
        { workspaceId, userId: ownerId, role: 'admin' },
      ]);
      expect(await memberships.roleOf(workspaceId, ownerId)).toBe('admin');
    });

    it('refuses an invitation accepted for an account deleted since (its session was still valid), adding no membership', async () => {
      const { invite, invitations, memberships, seats, users, user, workspaceId } = await setup();
      const anaId = await user('ana');
      const { token } = await invite('ana@example.com');
      await users.anonymise(anaId, tombstoneEmail(anaId));
      await expect(
        invitations.accept({ token, userId: anaId, userEmail: 'ana@example.com' }),
      ).rejects.toMatchObject({ code: 'unauthenticated', status: 401 });
      expect(await memberships.roleOf(workspaceId, anaId)).toBeNull();
      expect(await seats.workspacesOf(anaId)).toEqual([]);
      expect((await invitations.requireUsable(token)).status).toBe('pending');
    });

    it.runIf(options.lockWaits)(
      'makes an acceptance on another process wait for an account deletion under way, then refuses it',
      async () => {
        const f = await setup();
        const anaId = await f.user('ana');
        const { token } = await f.invite('ana@example.com');
        const other = await f.another();
        let locked!: () => void;
        const held = new Promise<void>((resolve) => (locked = resolve));
        let release!: () => void;
        const released = new Promise<void>((resolve) => (release = resolve));
        // Account deletion: the user's row locked, then (later) anonymised, in one transaction.
        const deletion = f.db.sql.transaction(async () => {
          await f.users.lockRow(anaId);
          locked();
          await released;
          await f.users.anonymise(anaId, tombstoneEmail(anaId));
        });
        await held;
        const acceptance = other.invitations
          .accept({ token, userId: anaId, userEmail: 'ana@example.com' })
          .then(
            () => null,
            (error: unknown) => error,
          );
        await until(() => options.lockWaits!(f.db), 'the acceptance waits for the user row');
        release();
        await deletion;
        expect(await acceptance).toMatchObject({ code: 'unauthenticated' });
        expect(await f.memberships.roleOf(f.workspaceId, anaId)).toBeNull();
      },
    );

    it('gives exactly the free seats when more invitations are accepted at once from two processes', async () => {
      const f = await setup();
      await f.setSeatLimit(10);
      const invited: { token: string; userId: string; email: string }[] = [];
      for (let i = 0; i < 8; i++) {
        const email = `member${i}@example.com`;
        const { token } = await f.invite(email);
        invited.push({ token, userId: await f.user(`member${i}`), email });
      }
      // The limit is lowered below the open invitations: 1 owner + 3 free seats.
      await f.setSeatLimit(4);
      const other = await f.another();
      const outcomes = await Promise.allSettled(
        invited.map(({ token, userId, email }, i) =>
          (i % 2 === 0 ? f.invitations : other.invitations).accept({
            token,
            userId,
            userEmail: email,
          }),
        ),
      );
      const accepted = outcomes.filter((o) => o.status === 'fulfilled');
      const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason] : []));
      expect(accepted).toHaveLength(3);
      expect(refused).toHaveLength(5);
      for (const reason of refused) expect(reason).toMatchObject({ code: 'seat_limit_reached' });
      expect(await f.seats.seatsUsed(f.workspaceId)).toBe(4);
      // Each join counted the seats after it under the lock: 2, 3, 4, never a repeat.
      const joins = (await f.seats.history(f.workspaceId)).filter(
        (e) => e.event === 'joined' && e.userId !== f.ownerId,
      );
      expect(joins.map((e) => e.seatsAfter).sort()).toEqual([2, 3, 4]);
    });
  });
}
