import { afterEach, describe, expect, it } from 'vitest';
import { SqliteSessionStore } from '../identity/SessionStore.ts';
import { SqliteUserStore } from '../identity/UserStore.ts';
import {
  openSqliteControlPlane,
  type ControlPlaneDatabase,
} from '../testing/controlPlaneDatabases.ts';
import type { AccessPrincipal } from './AccessPrincipal.ts';
import { AccessEvents } from './AccessEvents.ts';
import { principalSignedIn } from './principalSignedIn.ts';

describe('principalSignedIn (the recheck after missed access events)', () => {
  let db: ControlPlaneDatabase | null = null;
  afterEach(async () => {
    await db?.close();
    db = null;
  });

  /** Real SQLite stores; tokens as the token store lists them (unrevoked ones). */
  async function stores() {
    db = await openSqliteControlPlane();
    const clock = { now: 1_000_000 };
    const now = () => clock.now;
    const users = new SqliteUserStore(db.sqlite!, now);
    const sessions = new SqliteSessionStore(db.sqlite!, now, new AccessEvents(), users);
    const tokens = [
      { id: 'tok-live', expiresAt: null },
      { id: 'tok-old', expiresAt: 2_000_000 },
    ];
    const userId = users.create({ email: 'a@example.com', displayName: 'A', passwordHash: 'x' });
    const check = principalSignedIn(
      { users, sessions, tokens: { listForUser: (id) => (id === userId ? tokens : []) } },
      now,
    );
    return { clock, users, sessions, userId, check };
  }
  const bySession = (userId: string, sessionId: string): AccessPrincipal => ({
    userId,
    sessionId,
    tokenId: null,
  });
  const byToken = (userId: string, tokenId: string): AccessPrincipal => ({
    userId,
    sessionId: null,
    tokenId,
  });

  it('keeps a live session and refuses one that was ended or expired', async () => {
    const { sessions, userId, check, clock } = await stores();
    const kept = sessions.create(userId, { ip: null, userAgent: null });
    const ended = sessions.create(userId, { ip: null, userAgent: null });
    sessions.endOne(userId, ended.id);
    expect(await check(bySession(userId, kept.id))).toBe(true);
    expect(await check(bySession(userId, ended.id))).toBe(false);
    clock.now += 365 * 24 * 60 * 60 * 1000;
    expect(await check(bySession(userId, kept.id))).toBe(false);
  });

  it('refuses every principal of a suspended or unknown user', async () => {
    const { users, sessions, userId, check } = await stores();
    const session = sessions.create(userId, { ip: null, userAgent: null });
    users.setStatus(userId, 'suspended');
    expect(await check(bySession(userId, session.id))).toBe(false);
    expect(await check(byToken(userId, 'tok-live'))).toBe(false);
    expect(await check(bySession('nobody', session.id))).toBe(false);
  });

  it('keeps an unrevoked token until it expires; a revoked one (not listed) is refused', async () => {
    const { userId, check, clock } = await stores();
    expect(await check(byToken(userId, 'tok-old'))).toBe(true);
    expect(await check(byToken(userId, 'tok-revoked'))).toBe(false);
    clock.now = 2_000_000;
    expect(await check(byToken(userId, 'tok-old'))).toBe(false);
    expect(await check(byToken(userId, 'tok-live'))).toBe(true);
  });
});
