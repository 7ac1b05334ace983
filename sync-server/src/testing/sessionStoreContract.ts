import { afterEach, describe, expect, it } from 'vitest';
import { AccessEvents } from '../access/AccessEvents.ts';
import {
  SESSION_LIFETIME_MS,
  SESSION_RENEW_WITHIN_MS,
  type AsyncSessionStore,
} from '../identity/SessionStore.ts';
import type { AsyncUserStore } from '../identity/UserStore.ts';
import type { ControlPlaneDatabase } from './controlPlaneDatabases.ts';

export interface SessionStoreFixture {
  readonly db: ControlPlaneDatabase;
  readonly users: AsyncUserStore;
  readonly sessions: AsyncSessionStore;
  /** The events the store announces on. */
  readonly access: AccessEvents;
  readonly clock: { now: number };
}

const client = { ip: '192.0.2.1', userAgent: 'test' };
const minute = 60 * 1000;

/** What every SessionStore does, on SQLite (wrapped or on the seam) and on PostgreSQL. */
export function describeSessionStoreContract(
  engine: string,
  open: () => Promise<SessionStoreFixture>,
): void {
  describe(`SessionStore on ${engine}`, () => {
    const opened: SessionStoreFixture[] = [];
    const setup = async () => {
      const fixture = await open();
      opened.push(fixture);
      const revoked: string[] = [];
      fixture.access.on('sessionsRevoked', ({ sessionIds }) => revoked.push(...sessionIds));
      const userId = await fixture.users.create({
        email: 'ana@example.com',
        displayName: 'Ana',
        passwordHash: 'h',
      });
      return { ...fixture, userId, revoked };
    };
    afterEach(async () => {
      for (const fixture of opened.splice(0)) await fixture.db.close();
    });

    it('validates a new session by its token for 30 days, and no other token', async () => {
      const { sessions, userId, clock } = await setup();
      const session = await sessions.create(userId, client);
      expect(session.expiresAt).toBe(clock.now + SESSION_LIFETIME_MS);
      expect(await sessions.validate(session.token)).toEqual({
        kind: 'valid',
        session: {
          id: session.id,
          user: {
            id: userId,
            email: 'ana@example.com',
            displayName: 'Ana',
            platformRole: null,
            status: 'active',
          },
          expiresAt: session.expiresAt,
          renewed: false,
        },
      });
      expect(await sessions.validate(`${session.token}x`)).toEqual({ kind: 'invalid' });
    });

    it('renews a session once half used, unless told not to (WebSocket upgrades)', async () => {
      const { sessions, userId, clock } = await setup();
      const session = await sessions.create(userId, client);
      clock.now = session.expiresAt - SESSION_RENEW_WITHIN_MS;
      const kept = await sessions.validate(session.token, { renew: false });
      expect(kept).toMatchObject({ kind: 'valid', session: { renewed: false } });
      const renewed = await sessions.validate(session.token);
      expect(renewed).toMatchObject({
        kind: 'valid',
        session: { renewed: true, expiresAt: clock.now + SESSION_LIFETIME_MS },
      });
      // The new expiry is stored: the old one passing does not end it.
      clock.now = session.expiresAt + 1;
      expect(await sessions.validate(session.token)).toMatchObject({ kind: 'valid' });
    });

    it('ends an expired session when presented, and announces it', async () => {
      const { sessions, userId, clock, revoked } = await setup();
      const session = await sessions.create(userId, client);
      clock.now = session.expiresAt;
      expect(await sessions.validate(session.token)).toEqual({ kind: 'invalid' });
      expect(revoked).toEqual([session.id]);
      expect(await sessions.listForUser(userId)).toEqual([]);
    });

    it("refuses a suspended account's session without ending it", async () => {
      const { sessions, users, userId } = await setup();
      const session = await sessions.create(userId, client);
      await users.setStatus(userId, 'suspended');
      expect(await sessions.validate(session.token)).toEqual({ kind: 'suspended' });
      await users.setStatus(userId, 'active');
      expect(await sessions.validate(session.token)).toMatchObject({ kind: 'valid' });
    });

    it('lists live sessions, last seen first, writing last-seen at most once a minute', async () => {
      const { sessions, userId, clock } = await setup();
      const first = await sessions.create(userId, client);
      clock.now += minute;
      const second = await sessions.create(userId, { ip: null, userAgent: null });
      expect((await sessions.listForUser(userId)).map((s) => s.id)).toEqual([second.id, first.id]);
      const secondCreatedAt = clock.now;
      // Less than a minute since the second was last seen: nothing is written.
      clock.now += minute - 1;
      await sessions.validate(second.token);
      // Two minutes less 1 ms since the first was: its last-seen moves to now.
      await sessions.validate(first.token);
      const after = await sessions.listForUser(userId);
      expect(after.map((s) => s.id)).toEqual([first.id, second.id]);
      expect(after[0]).toMatchObject({ lastSeenAt: clock.now, ip: '192.0.2.1', userAgent: 'test' });
      expect(after[1]).toMatchObject({ lastSeenAt: secondCreatedAt });
      expect(after[1]).toMatchObject({ ip: null, userAgent: null });
    });

    it("ends one of the user's own sessions, never another user's", async () => {
      const { sessions, users, userId, revoked } = await setup();
      const mine = await sessions.create(userId, client);
      const otherId = await users.create({
        email: 'bo@example.com',
        displayName: 'Bo',
        passwordHash: 'h',
      });
      const theirs = await sessions.create(otherId, client);
      expect(await sessions.endOne(userId, theirs.id)).toBe(false);
      expect(await sessions.endOne(userId, mine.id)).toBe(true);
      expect(await sessions.endOne(userId, mine.id)).toBe(false);
      expect(revoked).toEqual([mine.id]);
      expect(await sessions.validate(theirs.token)).toMatchObject({ kind: 'valid' });
    });

    it('ends every session of a user but the one kept, and sweeps expired ones', async () => {
      const { sessions, userId, clock, revoked } = await setup();
      const kept = await sessions.create(userId, client);
      const a = await sessions.create(userId, client);
      const b = await sessions.create(userId, client);
      expect(await sessions.endAllForUser(userId, kept.id)).toBe(2);
      expect(revoked.sort()).toEqual([a.id, b.id].sort());
      expect((await sessions.listForUser(userId)).map((s) => s.id)).toEqual([kept.id]);
      clock.now = kept.expiresAt;
      expect(await sessions.sweepExpired()).toBe(1);
      expect(revoked).toContain(kept.id);
      expect(await sessions.sweepExpired()).toBe(0);
    });
  });
}
