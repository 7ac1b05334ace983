import { afterEach, describe, expect, it } from 'vitest';
import type { AccessEvents } from '../access/AccessEvents.ts';
import type { AsyncAccessTokenStore } from '../identity/AccessTokenStore.ts';
import type { AsyncUserStore } from '../identity/UserStore.ts';
import type { ControlPlaneDatabase } from './controlPlaneDatabases.ts';

export interface AccessTokenStoreFixture {
  readonly db: ControlPlaneDatabase;
  readonly users: AsyncUserStore;
  readonly tokens: AsyncAccessTokenStore;
  readonly access: AccessEvents;
  readonly clock: { now: number };
}

const minute = 60 * 1000;

/** What every AccessTokenStore does, on SQLite (wrapped or on the seam) and on PostgreSQL. */
export function describeAccessTokenStoreContract(
  engine: string,
  open: () => Promise<AccessTokenStoreFixture>,
): void {
  describe(`AccessTokenStore on ${engine}`, () => {
    const opened: AccessTokenStoreFixture[] = [];
    afterEach(async () => {
      for (const fixture of opened.splice(0)) await fixture.db.close();
    });
    async function setup() {
      const f = await open();
      opened.push(f);
      const revoked: string[] = [];
      f.access.on('tokensRevoked', ({ tokenIds }) => revoked.push(...tokenIds));
      const userId = await f.users.create({
        email: 'ana@example.com',
        displayName: 'Ana',
        passwordHash: 'h',
      });
      const sql = f.db.sql;
      await sql.run(
        `INSERT INTO customers (id, kind, name, owner_user_id, created_at) VALUES ('c1', 'person', 'Ana', ?, 0)`,
        [userId],
      );
      await sql.run(
        `INSERT INTO workspaces (id, customer_id, slug, name, created_at) VALUES ('w1', 'c1', 'acme', 'Acme', 0)`,
      );
      await sql.run(
        `INSERT INTO memberships (workspace_id, user_id, role, created_at) VALUES ('w1', ?, 'owner', 0)`,
        [userId],
      );
      const create = (name: string, expiresAt: number | null = null) =>
        f.tokens.create({ userId, workspaceId: 'w1', name, expiresAt });
      return { ...f, userId, revoked, create };
    }

    it('validates a token for its workspace while its owner is a member, and lists it', async () => {
      const { tokens, create, userId, clock, db } = await setup();
      const { id, token } = await create('ci');
      expect(token.startsWith('desk_pat_')).toBe(true);
      expect(await tokens.validate(token)).toEqual({
        kind: 'valid',
        user: expect.objectContaining({ id: userId }),
        token: { id, workspaceId: 'w1' },
      });
      expect(await tokens.validate('desk_pat_wrong')).toEqual({ kind: 'invalid' });
      expect(await tokens.validate('not-a-token')).toEqual({ kind: 'invalid' });
      expect(await tokens.listForUser(userId)).toEqual([
        {
          id,
          name: 'ci',
          workspaceId: 'w1',
          workspaceSlug: 'acme',
          createdAt: clock.now,
          expiresAt: null,
          lastUsedAt: clock.now,
        },
      ]);
      await db.sql.run('DELETE FROM memberships WHERE user_id = ?', [userId]);
      expect(await tokens.validate(token)).toEqual({ kind: 'invalid' });
    });

    it('writes last use at most once a minute, expires, and refuses a suspended owner', async () => {
      const { tokens, users, create, userId, clock } = await setup();
      const { token } = await create('ci', clock.now + 10 * minute);
      const firstUse = clock.now;
      await tokens.validate(token);
      clock.now += minute - 1;
      await tokens.validate(token);
      expect((await tokens.listForUser(userId))[0]?.lastUsedAt).toBe(firstUse);
      clock.now += 1;
      await tokens.validate(token);
      expect((await tokens.listForUser(userId))[0]?.lastUsedAt).toBe(clock.now);
      await users.setStatus(userId, 'suspended');
      expect(await tokens.validate(token)).toEqual({ kind: 'suspended' });
      await users.setStatus(userId, 'active');
      clock.now = firstUse + 10 * minute;
      expect(await tokens.validate(token)).toEqual({ kind: 'expired' });
    });

    it("revokes one token of the owner's, all of them, or deletes them, announcing the live ones", async () => {
      const { tokens, create, userId, users, revoked } = await setup();
      const a = await create('a');
      const b = await create('b');
      const c = await create('c');
      const otherId = await users.create({
        email: 'bo@example.com',
        displayName: 'Bo',
        passwordHash: 'h',
      });
      expect(await tokens.revoke(otherId, a.id)).toBe(false);
      expect(await tokens.revoke(userId, a.id)).toBe(true);
      expect(await tokens.revoke(userId, a.id)).toBe(false);
      expect(revoked).toEqual([a.id]);
      expect(await tokens.validate(a.token)).toEqual({ kind: 'invalid' });
      expect(await tokens.revokeAllForUser(userId)).toBe(2);
      expect(revoked.slice(1).sort()).toEqual([b.id, c.id].sort());
      expect(await tokens.revokeAllForUser(userId)).toBe(0);
      const d = await create('d');
      expect(await tokens.deleteAllForUser(userId)).toBe(4);
      expect(revoked.at(-1)).toBe(d.id);
      expect(revoked).toHaveLength(4);
      expect(await tokens.listForUser(userId)).toEqual([]);
    });
  });
}
