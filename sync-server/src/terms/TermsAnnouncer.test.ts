import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tombstoneEmail } from '../identity/UserStore.ts';
import { startAuthTestServer, type AuthTestServer } from '../testing/authTestServer.ts';
import { ANNOUNCE_BATCH_SIZE, TermsAnnouncer } from './TermsAnnouncer.ts';
import { SqliteTermsStore } from './TermsStore.ts';

let t: AuthTestServer;
beforeAll(async () => {
  t = await startAuthTestServer();
});
afterAll(() => t.close());

const outboxCount = () =>
  (
    t.server.ctx.db
      .prepare(`SELECT COUNT(*) AS n FROM mail_outbox WHERE subject LIKE '%terms of service%'`)
      .get() as { n: number }
  ).n;

describe('the terms announcement', () => {
  it('mails every user once (not deleted accounts), in batches, and a new announcer resumes where a stopped one left off', async () => {
    const { db } = t.server.ctx;
    const users = ANNOUNCE_BATCH_SIZE * 2 + 7;
    const insert = db.prepare(
      `INSERT INTO users (id, email, display_name, password_hash, created_at, updated_at)
       VALUES (?, ?, ?, 'x', 0, 0)`,
    );
    for (let i = 0; i < users; i += 1) {
      const id = `user-${String(i).padStart(4, '0')}`;
      insert.run(id, `${id}@example.com`, `User ${i}`);
    }
    // A deleted account (anonymised, its address undeliverable) is not mailed.
    insert.run('user-9999', tombstoneEmail('user-9999'), 'Deleted user');
    const version = new SqliteTermsStore(db, t.server.ctx.now).publish({
      text: 'New terms.',
      changes: 'Everything.',
      effectiveAt: t.clock.now,
      publishedBy: 'user-0000',
    });
    // As after a restart in the middle: the first batch is marked as mailed already.
    db.prepare('UPDATE terms_versions SET announce_cursor = ? WHERE version = ?').run(
      `user-${String(ANNOUNCE_BATCH_SIZE - 1).padStart(4, '0')}`,
      version.version,
    );
    const announcer = new TermsAnnouncer(t.server.services);
    announcer.kick();
    await announcer.idle();

    expect(outboxCount()).toBe(users - ANNOUNCE_BATCH_SIZE);
    const row = db
      .prepare('SELECT announced_at FROM terms_versions WHERE version = ?')
      .get(version.version) as { announced_at: number | null };
    expect(row.announced_at).toBe(t.clock.now);
    // Done is done: kicking again mails nobody.
    announcer.kick();
    await announcer.idle();
    expect(outboxCount()).toBe(users - ANNOUNCE_BATCH_SIZE);
  });
});
