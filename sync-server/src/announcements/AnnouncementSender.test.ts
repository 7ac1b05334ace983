import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InProcessJobLease } from '../lifecycle/JobLease.ts';
import type { MailMessage, Mailer } from '../mail/Mailer.ts';
import { startAuthTestServer, type AuthTestServer } from '../testing/authTestServer.ts';
import { ANNOUNCEMENT_BATCH_SIZE, AnnouncementSender } from './AnnouncementSender.ts';

let t: AuthTestServer;
beforeEach(async () => {
  t = await startAuthTestServer();
});
afterEach(() => t.close());

const SUBJECT = 'New: ticket templates';

/** Accounts straight into the table: ids `user-0000`, `user-0001`, … sort as created. */
function insertUsers(count: number, from = 0): string[] {
  const insert = t.server.ctx.db.prepare(
    `INSERT INTO users (id, email, display_name, password_hash, created_at, updated_at)
     VALUES (?, ?, ?, 'x', 0, 0)`,
  );
  const ids: string[] = [];
  for (let i = from; i < from + count; i += 1) {
    const id = `user-${String(i).padStart(4, '0')}`;
    insert.run(id, `${id}@example.com`, `User ${i}`);
    ids.push(id);
  }
  return ids;
}

/** How many copies of the announcement each address got, from the outbox. */
function copiesByAddress(): Map<string, number> {
  const rows = t.server.ctx.db
    .prepare(
      `SELECT to_address AS address, COUNT(*) AS n FROM mail_outbox WHERE subject LIKE ? GROUP BY to_address`,
    )
    .all(`%${SUBJECT}`) as { address: string; n: number }[];
  return new Map(rows.map((r) => [r.address, r.n]));
}

/**
 * The server's outbox mailer until `stopAfter` messages went through; the next send never
 * finishes on its own — as when the process dies while SMTP has the message — until
 * `release()` fails it.
 */
function mailerThatStalls(outbox: Mailer, stopAfter: number) {
  let sent = 0;
  let stalled!: () => void;
  const reachedStall = new Promise<void>((resolve) => (stalled = resolve));
  let release!: (err: Error) => void;
  const mailer: Mailer = {
    kind: 'outbox',
    async send(message: MailMessage) {
      if (sent === stopAfter) {
        stalled();
        await new Promise<void>((_, reject) => (release = reject));
      }
      sent += 1;
      await outbox.send(message);
    },
  };
  return { mailer, reachedStall, release: () => release(new Error('process gone')) };
}

describe('announcement delivery', () => {
  it('mails every recipient once in batches; after a restart mid-batch the next sender resumes and never sends anyone the announcement twice', async () => {
    const { services, ctx } = t.server;
    const users = insertUsers(ANNOUNCEMENT_BATCH_SIZE * 2 + 7);
    const announcement = await services.control.announcements.create({
      subject: SUBJECT,
      text: 'Paragraph one.\n\nParagraph two.',
      audience: 'all',
      createdBy: users[0]!,
    });
    expect(announcement.recipients).toBe(users.length);

    // The first process: one whole batch and 3 more messages, then it dies in the 4th.
    const stalling = mailerThatStalls(services.mailer, ANNOUNCEMENT_BATCH_SIZE + 3);
    const first = new AnnouncementSender({ ...services, mailer: stalling.mailer });
    first.kick();
    await stalling.reachedStall;
    const midway = (await services.control.announcements.get(announcement.id))!;
    expect(midway).toMatchObject({ sent: ANNOUNCEMENT_BATCH_SIZE + 3, finishedAt: null });
    // Progress is kept batch by batch: the cursor is past the first batch only.
    const cursor = () =>
      (
        ctx.db.prepare('SELECT cursor FROM announcements WHERE id = ?').get(announcement.id) as {
          cursor: string;
        }
      ).cursor;
    expect(cursor()).toBe(users[ANNOUNCEMENT_BATCH_SIZE - 1]);

    // The next process (its own job lease: the first one died holding its own) resumes.
    const second = new AnnouncementSender({ ...services, jobLease: new InProcessJobLease() });
    second.kick();
    await second.idle();

    const done = (await services.control.announcements.get(announcement.id))!;
    expect(done).toMatchObject({
      recipients: users.length,
      sent: users.length - 1,
      failed: 0,
      interrupted: 1,
      finishedAt: t.clock.now,
    });
    const copies = copiesByAddress();
    // The message in flight when the first process died is not sent again…
    const inFlight = users[ANNOUNCEMENT_BATCH_SIZE + 3]!;
    expect(copies.get(`${inFlight}@example.com`)).toBeUndefined();
    // …and everyone else has exactly one copy.
    expect(copies.size).toBe(users.length - 1);
    expect([...copies.values()].every((n) => n === 1)).toBe(true);

    // Even if the first process's stalled send comes back, nothing is sent twice.
    stalling.release();
    await first.idle();
    expect([...copiesByAddress().values()].every((n) => n === 1)).toBe(true);
    expect(await services.control.announcements.get(announcement.id)).toMatchObject({
      sent: users.length - 1,
      interrupted: 1,
    });

    // Done is done: kicking again mails nobody.
    second.kick();
    await second.idle();
    expect(copiesByAddress().size).toBe(users.length - 1);
  });

  it('skips users who opted out, before and during delivery, and counts those left out', async () => {
    const { services } = t.server;
    const users = insertUsers(ANNOUNCEMENT_BATCH_SIZE + 5);
    await services.control.announcements.setReceives(users[1]!, false);
    const announcement = await services.control.announcements.create({
      subject: SUBJECT,
      text: 'Hello.',
      audience: 'all',
      createdBy: users[0]!,
    });
    expect(announcement).toMatchObject({ recipients: users.length - 1, optedOut: 1 });

    // users[3] opts out while the first messages go out.
    const late = users[3]!;
    const mailer: Mailer = {
      kind: 'outbox',
      async send(message) {
        if (message.to === users[2] + '@example.com')
          await services.control.announcements.setReceives(late, false);
        await services.mailer.send(message);
      },
    };
    const sender = new AnnouncementSender({ ...services, mailer });
    sender.kick();
    await sender.idle();

    const copies = copiesByAddress();
    expect(copies.has(`${users[1]}@example.com`)).toBe(false);
    expect(copies.has(`${late}@example.com`)).toBe(false);
    expect(copies.size).toBe(users.length - 2);
    expect(await services.control.announcements.get(announcement.id)).toMatchObject({
      sent: users.length - 2,
      finishedAt: t.clock.now,
    });
  });

  it('records a failed send and goes on with the others', async () => {
    const { services } = t.server;
    const users = insertUsers(3);
    const announcement = await services.control.announcements.create({
      subject: SUBJECT,
      text: 'Hello.',
      audience: 'all',
      createdBy: users[0]!,
    });
    const mailer: Mailer = {
      kind: 'outbox',
      async send(message) {
        if (message.to === `${users[1]}@example.com`) throw new Error('mailbox full');
        await services.mailer.send(message);
      },
    };
    const sender = new AnnouncementSender({ ...services, mailer });
    sender.kick();
    await sender.idle();
    expect(await services.control.announcements.get(announcement.id)).toMatchObject({
      sent: 2,
      failed: 1,
    });
  });

  it('writes the subject, the paragraphs and a signed opt-out link into every message', async () => {
    const { services } = t.server;
    const [user] = insertUsers(1);
    await services.control.announcements.create({
      subject: SUBJECT,
      text: 'First <b>news</b>.\n\n  Second paragraph.',
      audience: 'all',
      createdBy: user!,
    });
    const sent: MailMessage[] = [];
    const sender = new AnnouncementSender({
      ...services,
      mailer: { kind: 'outbox', send: (m) => Promise.resolve(void sent.push(m)) },
    });
    sender.kick();
    await sender.idle();
    expect(sent).toHaveLength(1);
    const mail = sent[0]!;
    expect(mail.subject).toBe(`Service Desk: ${SUBJECT}`);
    expect(mail.text).toContain('First <b>news</b>.\n\nSecond paragraph.');
    expect(mail.html).toContain('First &lt;b&gt;news&lt;/b&gt;.');
    const token = /\/announcements\/opt-out#token=(\S+)/.exec(mail.text)?.[1];
    expect(token).toBeDefined();
    expect(await services.optOutLinks.verify(token!)).toBe(user);
  });
});
