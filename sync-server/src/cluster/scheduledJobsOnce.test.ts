import { Redis } from 'ioredis';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { AnnouncementSender } from '../announcements/AnnouncementSender.ts';
import { DAY_MS } from '../billing/SubscriptionState.ts';
import { DeletionSweeper } from '../deletion/DeletionSweeper.ts';
import { createLogger } from '../log/logger.ts';
import type { MailMessage, Mailer } from '../mail/Mailer.ts';
import { SnapshotSchedule } from '../snapshots/SnapshotSchedule.ts';
import { snapshotSyncOf } from '../snapshots/SnapshotSync.ts';
import { signUp, startAuthTestServer, type AuthTestServer } from '../testing/authTestServer.ts';
import { describeWithRedis, testKeyPrefix, testRedisUrl } from '../testing/scaleOutParts.ts';
import { createTicket } from '../testing/snapshotTestSupport.ts';
import { RedisJobLease } from './RedisJobLease.ts';
import { RedisLeases } from './RedisLeases.ts';

const HOUR = 60 * 60 * 1000;

/**
 * Scheduled jobs through their real classes, as two processes of a cluster run them: two
 * instances of a job on one database, each with a `RedisJobLease` on a connection of its
 * own (issue 19: work done once per cluster).
 */
await describeWithRedis('scheduled jobs once per cluster', { ownServer: false }, () => {
  let t: AuthTestServer;
  let prefix: string;
  const opened: RedisLeases[] = [];

  /** One process's job lease. Connected before the test kicks anything, as a running process's. */
  const processLease = async () => {
    const leases = new RedisLeases({ url: testRedisUrl!, prefix, ttlMs: 10_000 });
    opened.push(leases);
    await leases.runOnce('connected', async () => {});
    return new RedisJobLease(leases);
  };

  beforeEach(async () => {
    prefix = testKeyPrefix();
    t = await startAuthTestServer({ SNAPSHOT_INTERVAL_MINUTES: '0' });
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((l) => l.close()));
    await t.close();
    const redis = new Redis(testRedisUrl!);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('a snapshot schedule ticking on two processes at once snapshots a changed workspace once', async () => {
    const { services } = t.server;
    const schedule = async () =>
      new SnapshotSchedule(
        createLogger('silent'),
        () => t.clock.now,
        services.snapshots,
        snapshotSyncOf(t.server.sync),
        HOUR,
        await processLease(),
      );
    const [a, b] = [await schedule(), await schedule()];
    const w = await signUp(t);
    await createTicket(t.server.sync, w.workspaceId, 't1', 'Changed', 1);

    const runs = await Promise.all([a.run(), b.run()]);

    // One ticked (and found the workspace changed), the other found the lease held.
    expect(runs.filter((taken) => taken === null)).toHaveLength(1);
    expect(runs.find((taken) => taken !== null)).toContain(w.workspaceId);
    expect((await services.snapshots.list(w.workspaceId)).map((s) => s.trigger)).toEqual([
      'schedule',
    ]);
  });

  it('a deletion sweep on two processes at once purges a due workspace once', async () => {
    const { services } = t.server;
    const owner = await signUp(t);
    const asked = await owner.client.request('POST', `/api/workspaces/${owner.slug}/deletion`, {
      body: { password: owner.password },
    });
    expect(asked.status, JSON.stringify(asked.body)).toBe(202);
    t.clock.advance(8 * DAY_MS); // past the owner's cancel window: the purge is due
    const sweeper = async () =>
      new DeletionSweeper({
        ...services,
        workspaceDeletion: t.server.deletion.workspaceDeletion,
        jobLease: await processLease(),
      });
    const [a, b] = [await sweeper(), await sweeper()];

    const sweeps = await Promise.all([a.sweepOnce(), b.sweepOnce()]);

    expect(sweeps.filter((sweep) => sweep === null)).toHaveLength(1);
    const ran = sweeps.find((sweep) => sweep !== null)!;
    expect(ran.purged.map((p) => p.workspaceId)).toContain(owner.workspaceId);
    const purges = services.audit
      .list({ workspaceId: owner.workspaceId, limit: 500 })
      .filter((e) => e.action === 'workspace.deletion_purged');
    expect(purges).toHaveLength(1);
  });

  it('an announcement kicked on two processes at once is sent by one, every recipient mailed once', async () => {
    const { services, ctx } = t.server;
    const recipients = [await signUp(t), await signUp(t), await signUp(t)];
    const subject = `Two senders ${prefix}`;
    const { id } = await services.control.announcements.create({
      subject,
      text: 'News.',
      audience: 'all',
      createdBy: recipients[0]!.userId,
    });
    // A's first message waits until the test lets it go: A is mid-run when B is kicked.
    let reachedGate!: () => void;
    const atGate = new Promise<void>((resolve) => (reachedGate = resolve));
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const gated: Mailer = {
      kind: 'outbox',
      async send(message: MailMessage) {
        reachedGate();
        await gate;
        await services.mailer.send(message);
      },
    };
    let sentByB = 0;
    const counting: Mailer = {
      kind: 'outbox',
      async send(message: MailMessage) {
        sentByB += 1;
        await services.mailer.send(message);
      },
    };
    const a = new AnnouncementSender({
      ...services,
      mailer: gated,
      jobLease: await processLease(),
    });
    const b = new AnnouncementSender({
      ...services,
      mailer: counting,
      jobLease: await processLease(),
    });

    a.kick();
    await atGate;
    b.kick();
    await b.idle(); // its run found the lease held by A and was skipped
    openGate();
    await a.idle();

    expect(sentByB).toBe(0);
    const copies = ctx.db
      .prepare(
        'SELECT to_address AS address, COUNT(*) AS n FROM mail_outbox WHERE subject LIKE ? GROUP BY to_address',
      )
      .all(`%${subject}`) as { address: string; n: number }[];
    expect(copies.map((c) => c.n)).toEqual(copies.map(() => 1));
    expect(copies.map((c) => c.address).sort()).toEqual(
      expect.arrayContaining(recipients.map((r) => r.email).sort()),
    );
    expect(await services.control.announcements.get(id)).toMatchObject({
      sent: copies.length,
      interrupted: 0,
      finishedAt: t.clock.now,
    });
  });
});
