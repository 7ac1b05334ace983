import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.ts';
import { createServer, type RunningServer } from '../createServer.ts';
import { createLogger } from '../log/logger.ts';
import { ANNOUNCEMENT_BATCH_SIZE } from './AnnouncementSender.ts';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-announce-restart-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

/** A whole server on one data folder: stopping and starting it again is a restart. */
function start(): Promise<RunningServer> {
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    PUBLIC_URL: 'http://desk.test',
    WEB_DIR: path.join(dataDir, 'no-web'),
    LOG_LEVEL: 'silent',
    SNAPSHOT_INTERVAL_MINUTES: '0',
    BACKUP_INTERVAL_HOURS: '0',
  });
  return createServer(config, createLogger('silent'));
}

const SUBJECT = 'New: ticket templates';

describe('announcement delivery across a real restart', () => {
  it('stops with the server and resumes when it starts again: everyone gets exactly one copy', async () => {
    // Ten batches: the sender yields an event-loop turn at least between two batches, and
    // shutting down takes only a few turns, so the restart lands in the middle.
    const users = ANNOUNCEMENT_BATCH_SIZE * 10;
    const first = await start();
    const insert = first.ctx.db.prepare(
      `INSERT INTO users (id, email, display_name, password_hash, created_at, updated_at)
       VALUES (?, ?, ?, 'x', 0, 0)`,
    );
    first.ctx.db.transaction(() => {
      for (let i = 0; i < users; i += 1) {
        const id = `user-${String(i).padStart(4, '0')}`;
        insert.run(id, `${id}@example.com`, `User ${i}`);
      }
    })();
    const { id } = await first.services.control.announcements.create({
      subject: SUBJECT,
      text: 'Try them.',
      audience: 'all',
      createdBy: 'user-0000',
    });
    // Sending starts (the first message before kick returns); the server is stopped before
    // it can finish: shutdown stops the sender between two messages.
    first.services.announcementSender.kick();
    await first.stop();
    const file = new BetterSqlite3(path.join(dataDir, 'desk.sqlite'), { readonly: true });
    const sentBeforeRestart = file
      .prepare('SELECT COUNT(*) FROM mail_outbox WHERE subject LIKE ?')
      .pluck()
      .get(`%${SUBJECT}`) as number;
    file.close();
    expect(sentBeforeRestart).toBeGreaterThan(0);
    expect(sentBeforeRestart).toBeLessThan(users);

    const second = await start();
    try {
      // Starting the server resumed delivery on its own (installAnnouncements kicks it).
      await second.services.announcementSender.idle();
      const copies = second.ctx.db
        .prepare(
          `SELECT to_address, COUNT(*) AS n FROM mail_outbox WHERE subject LIKE ? GROUP BY to_address`,
        )
        .all(`%${SUBJECT}`) as { to_address: string; n: number }[];
      expect(copies).toHaveLength(users);
      expect(copies.every((c) => c.n === 1)).toBe(true);
      expect(await second.services.control.announcements.get(id)).toMatchObject({
        recipients: users,
        sent: users,
        failed: 0,
        interrupted: 0,
      });
      expect((await second.services.control.announcements.get(id))?.finishedAt).not.toBeNull();
    } finally {
      await second.stop();
    }
  });
});
