import { describe, expect, it } from 'vitest';
import type { AsyncMailOutbox } from '../mail/MailOutbox.ts';
import { closedAfterEach, type StoreFixture } from './storeBackends.ts';

/**
 * What every MailOutbox does, on SQLite (wrapped or on the seam) and on PostgreSQL: keeps
 * messages and lists them newest first — a millisecond's in the order they were kept — all,
 * or those to one address, up to a limit; two processes keeping mail at once lose none.
 */
export function describeMailOutboxContract(
  engine: string,
  open: () => Promise<StoreFixture<AsyncMailOutbox>>,
): void {
  describe(`MailOutbox on ${engine}`, () => {
    const openOne = closedAfterEach(open);
    const message = (to: string, subject: string) => ({
      to,
      subject,
      text: `Text of ${subject}: https://desk.example/x`,
      html: `<p>${subject}</p>`,
    });

    it('keeps a message as it was given, with the time', async () => {
      const { store: outbox, clock } = await openOne();
      const id = await outbox.add(message('ana@example.com', 'Welcome'));
      expect(await outbox.list()).toEqual([
        {
          id,
          to: 'ana@example.com',
          subject: 'Welcome',
          text: 'Text of Welcome: https://desk.example/x',
          html: '<p>Welcome</p>',
          createdAt: clock.now,
        },
      ]);
    });

    it('lists newest first, one millisecond’s in the order kept, to one address or all, up to a limit', async () => {
      const { store: outbox, clock } = await openOne();
      await outbox.add(message('ana@example.com', 'one'));
      clock.now += 1;
      await outbox.add(message('bob@example.com', 'two'));
      await outbox.add(message('ana@example.com', 'three'));
      await outbox.add(message('ana@example.com', 'four'));
      const subjects = (entries: { subject: string }[]) => entries.map((e) => e.subject);
      expect(subjects(await outbox.list())).toEqual(['four', 'three', 'two', 'one']);
      expect(subjects(await outbox.list({ to: 'ana@example.com' }))).toEqual([
        'four',
        'three',
        'one',
      ]);
      expect(subjects(await outbox.list({ to: 'ana@example.com', limit: 2 }))).toEqual([
        'four',
        'three',
      ]);
      expect(await outbox.list({ to: 'nobody@example.com' })).toEqual([]);
    });

    it('keeps every message of two processes writing at once', async () => {
      const { store: outbox, another } = await openOne();
      const other = await another();
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 === 0 ? outbox : other).add(message('ana@example.com', `m${i}`)),
        ),
      );
      expect(await outbox.list({ limit: 100 })).toHaveLength(20);
    });
  });
}
