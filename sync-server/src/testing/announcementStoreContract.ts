import { describe, expect, it } from 'vitest';
import type { AsyncAnnouncementStore } from '../announcements/AnnouncementStore.ts';
import { DELETED_EMAIL_DOMAIN } from '../identity/UserStore.ts';
import type { SqlDatabase } from '../store/sql/SqlDatabase.ts';
import { seedWorkspace } from './controlPlaneSeed.ts';
import { closedAfterEach, type StoreFixture } from './storeBackends.ts';

/** The contract's clock starts here (the fixture's default); users are made before it. */
const START = 1_000_000;

/** An account with the id given, so the contract knows the recipients' order (by id). */
async function addUser(
  sql: SqlDatabase,
  id: string,
  options: { email?: string; status?: 'active' | 'suspended'; at?: number } = {},
): Promise<string> {
  const at = options.at ?? 0;
  await sql.run(
    `INSERT INTO users (id, email, display_name, password_hash, status, created_at, updated_at)
     VALUES (?, ?, ?, 'h', ?, ?, ?)`,
    [id, options.email ?? `${id}@example.com`, `User ${id}`, options.status ?? 'active', at, at],
  );
  return id;
}

/**
 * What every AnnouncementStore does, on SQLite (wrapped or on the seam) and on PostgreSQL:
 * who an announcement reaches (counted when it is sent), delivery in id order after the
 * cursor, one delivery row per recipient — also when two senders claim one batch at once —
 * retries of failed messages only, opt-outs, and one signing key per installation.
 */
export function describeAnnouncementStoreContract(
  engine: string,
  open: () => Promise<StoreFixture<AsyncAnnouncementStore>>,
): void {
  describe(`AnnouncementStore on ${engine}`, () => {
    const openOne = closedAfterEach(open);
    /** Five active users `u1`..`u5` (u1 owns a workspace), made before the clock's start. */
    const setup = async () => {
      const fixture = await openOne();
      const { sql } = fixture.db;
      const users = [];
      for (let i = 1; i <= 5; i += 1) users.push(await addUser(sql, `u${i}`));
      await seedWorkspace(sql, { ownerId: 'u1', slug: 'acme' });
      return { ...fixture, announcements: fixture.store, sql, users };
    };
    const announce = (store: AsyncAnnouncementStore, audience: 'all' | 'owners' = 'all') =>
      store.create({ subject: 'New', text: 'Text', audience, createdBy: 'u1' });

    it('counts as recipients the active users of the audience who existed then and did not opt out', async () => {
      const { announcements, sql, clock } = await setup();
      await addUser(sql, 'suspended', { status: 'suspended' });
      await addUser(sql, 'deleted', { email: `deleted-1@${DELETED_EMAIL_DOMAIN}` });
      await addUser(sql, 'later', { at: START + 1 });
      await announcements.setReceives('u2', false);

      const all = await announce(announcements);
      expect(all).toMatchObject({
        subject: 'New',
        text: 'Text',
        audience: 'all',
        createdAt: START,
        recipients: 4,
        optedOut: 1,
        sent: 0,
        failed: 0,
        interrupted: 0,
        finishedAt: null,
      });
      expect(await announcements.get(all.id)).toEqual(all);
      expect(await announcements.get('missing')).toBeUndefined();

      clock.now += 1;
      const owners = await announce(announcements, 'owners');
      expect(owners).toMatchObject({ audience: 'owners', recipients: 1, optedOut: 0 });
    });

    it('lists newest first — one millisecond’s announcements in the order they were made', async () => {
      const { announcements, clock } = await setup();
      const first = await announce(announcements);
      const second = await announce(announcements);
      clock.now += 1;
      const third = await announce(announcements);
      expect((await announcements.list()).map((a) => a.id)).toEqual([
        third.id,
        second.id,
        first.id,
      ]);
      expect((await announcements.list(1)).map((a) => a.id)).toEqual([third.id]);
    });

    it('delivers the oldest unfinished announcement to its recipients in id order after the cursor', async () => {
      const { announcements, clock } = await setup();
      const first = await announce(announcements);
      const second = await announce(announcements);
      expect(await announcements.nextUnfinished()).toEqual({
        id: first.id,
        subject: 'New',
        text: 'Text',
      });

      const batch = await announcements.nextRecipients(first.id, 2);
      expect(batch).toEqual([
        { id: 'u1', email: 'u1@example.com', displayName: 'User u1' },
        { id: 'u2', email: 'u2@example.com', displayName: 'User u2' },
      ]);
      for (const r of batch) expect(await announcements.claim(first.id, r.id)).toBe(true);
      await announcements.settle(first.id, 'u1', 'sent');
      await announcements.settle(first.id, 'u2', 'failed');
      await announcements.advance(first.id, 'u2');
      // A cursor never moves back (a late batch of a stopped run).
      await announcements.advance(first.id, 'u1');
      expect((await announcements.nextRecipients(first.id, 10)).map((r) => r.id)).toEqual([
        'u3',
        'u4',
        'u5',
      ]);
      expect(await announcements.get(first.id)).toMatchObject({ sent: 1, failed: 1 });
      // An unknown announcement has nobody to reach.
      expect(await announcements.nextRecipients('missing', 10)).toEqual([]);

      clock.now += 5;
      await announcements.finish(first.id);
      clock.now += 1;
      await announcements.finish(first.id); // the first finish stays
      expect((await announcements.get(first.id))!.finishedAt).toBe(START + 5);
      expect((await announcements.nextUnfinished())!.id).toBe(second.id);
    });

    it('claims a recipient once, and not one who opted out meanwhile', async () => {
      const { announcements } = await setup();
      const a = await announce(announcements);
      expect(await announcements.claim(a.id, 'u1')).toBe(true);
      expect(await announcements.claim(a.id, 'u1')).toBe(false);
      await announcements.setReceives('u2', false);
      expect(await announcements.claim(a.id, 'u2')).toBe(false);
      expect(await announcements.claim(a.id, 'nobody')).toBe(false);
      // Settling what was not claimed changes nothing.
      await announcements.settle(a.id, 'u2', 'sent');
      expect(await announcements.get(a.id)).toMatchObject({ sent: 0 });
    });

    it('marks messages left sending as interrupted, never to be retried', async () => {
      const { announcements } = await setup();
      const a = await announce(announcements);
      await announcements.claim(a.id, 'u1');
      await announcements.claim(a.id, 'u2');
      await announcements.settle(a.id, 'u2', 'sent');
      expect(await announcements.interruptInFlight()).toBe(1);
      expect(await announcements.interruptInFlight()).toBe(0);
      expect(await announcements.get(a.id)).toMatchObject({ sent: 1, interrupted: 1 });
      await announcements.settle(a.id, 'u1', 'sent'); // too late: it stays interrupted
      expect(await announcements.get(a.id)).toMatchObject({ sent: 1, interrupted: 1 });
      expect((await announcements.nextRecipients(a.id, 10)).map((r) => r.id)).toEqual([
        'u3',
        'u4',
        'u5',
      ]);
    });

    it('retries exactly the failed recipients of a finished announcement', async () => {
      const { announcements } = await setup();
      const a = await announce(announcements);
      for (const id of ['u1', 'u2', 'u3', 'u4', 'u5']) {
        await announcements.claim(a.id, id);
        await announcements.settle(a.id, id, id === 'u2' || id === 'u4' ? 'failed' : 'sent');
      }
      await announcements.advance(a.id, 'u5');
      await announcements.finish(a.id);

      expect(await announcements.retryFailed(a.id)).toBe(2);
      expect(await announcements.get(a.id)).toMatchObject({ failed: 0, sent: 3, finishedAt: null });
      expect((await announcements.nextUnfinished())!.id).toBe(a.id);
      expect((await announcements.nextRecipients(a.id, 10)).map((r) => r.id)).toEqual(['u2', 'u4']);

      // Nothing failed: nothing starts over.
      await announcements.finish(a.id);
      const finished = await announcements.get(a.id);
      expect(await announcements.retryFailed(a.id)).toBe(0);
      expect(await announcements.get(a.id)).toEqual(finished);
    });

    it('keeps a user’s choice to receive announcements, each way idempotent', async () => {
      const { announcements } = await setup();
      expect(await announcements.receives('u1')).toBe(true);
      await announcements.setReceives('u1', false);
      await announcements.setReceives('u1', false);
      expect(await announcements.receives('u1')).toBe(false);
      expect(await announcements.receives('u2')).toBe(true);
      await announcements.setReceives('u1', true);
      await announcements.setReceives('u1', true);
      expect(await announcements.receives('u1')).toBe(true);
    });

    it('has one signing key, the same for every process, also when they first ask at once', async () => {
      const { announcements, another } = await setup();
      const [others, other] = [await another(), await another()];
      const keys = await Promise.all([
        announcements.signingKey(),
        others.signingKey(),
        other.signingKey(),
      ]);
      expect(keys[0]!.length).toBe(32);
      for (const key of keys) expect(key.equals(keys[0]!)).toBe(true);
      expect((await announcements.signingKey()).equals(keys[0]!)).toBe(true);
    });

    it('gives each recipient to one of two senders claiming one batch at once', async () => {
      const { announcements, sql, another } = await setup();
      const recipients = [];
      for (let i = 0; i < 20; i += 1) recipients.push(await addUser(sql, `r${i}`));
      const a = await announce(announcements);
      const other = await another();
      const batch = (await announcements.nextRecipients(a.id, 100)).map((r) => r.id);
      expect(batch).toHaveLength(25);
      // Both senders go through the whole batch, interleaved statement by statement.
      const claims = await Promise.all(
        [announcements, other].map((store) =>
          Promise.all(batch.map((userId) => store.claim(a.id, userId))),
        ),
      );
      const won = batch.map((_, i) => Number(claims[0]![i]) + Number(claims[1]![i]));
      expect(won).toEqual(batch.map(() => 1));
      expect(await announcements.nextRecipients(a.id, 100)).toEqual([]);
    });
  });
}
