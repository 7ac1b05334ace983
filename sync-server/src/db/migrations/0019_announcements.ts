import { randomBytes } from 'node:crypto';
import type { Migration } from '../Migration.ts';

/**
 * Feature announcements (issue 16, terms §3). The operator sends one to every user or to
 * owners only; a job mails the recipients in batches after the request.
 *
 * - `announcements.cursor` is the last user id of the last batch handled (users in id order),
 *   so a restart resumes after it; `recipients`/`opted_out` are counted when it is sent.
 * - `announcement_deliveries` holds one row per recipient, written *before* the message is
 *   handed to the mailer (`sending`) and settled after (`sent`/`failed`). The primary key
 *   makes a second delivery of one announcement to one user impossible; a row still
 *   `sending` when the process starts again is marked `interrupted` and never retried, so a
 *   restart costs at most the one message in flight, never a duplicate.
 * - `announcement_opt_outs`: users who do not want announcements (account page, or the
 *   signed link in every announcement). A row, not a `users` column: the preference is this
 *   module's, and the accounts table stays as it is.
 * - `announcement_signing_key`: the one random HMAC key of the opt-out links, made here so
 *   every installation has its own without configuration, and links outlive restarts.
 */
export const m0019Announcements: Migration = {
  version: 19,
  name: 'announcements',
  up(db) {
    db.exec(`
      CREATE TABLE announcements (
        id          TEXT PRIMARY KEY,
        subject     TEXT NOT NULL,
        body        TEXT NOT NULL,
        audience    TEXT NOT NULL CHECK (audience IN ('all', 'owners')),
        created_at  INTEGER NOT NULL,
        created_by  TEXT REFERENCES users(id),
        recipients  INTEGER NOT NULL,
        opted_out   INTEGER NOT NULL,
        cursor      TEXT NOT NULL DEFAULT '',
        finished_at INTEGER
      ) STRICT;
      CREATE INDEX announcements_unfinished ON announcements(created_at) WHERE finished_at IS NULL;

      CREATE TABLE announcement_deliveries (
        announcement_id TEXT NOT NULL REFERENCES announcements(id),
        user_id         TEXT NOT NULL REFERENCES users(id),
        status          TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'failed', 'interrupted')),
        at              INTEGER NOT NULL,
        PRIMARY KEY (announcement_id, user_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX announcement_deliveries_sending ON announcement_deliveries(status)
        WHERE status = 'sending';

      CREATE TABLE announcement_opt_outs (
        user_id TEXT PRIMARY KEY REFERENCES users(id),
        at      INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE announcement_signing_key (
        id  INTEGER PRIMARY KEY CHECK (id = 1),
        key BLOB NOT NULL
      ) STRICT;
    `);
    db.prepare('INSERT INTO announcement_signing_key (id, key) VALUES (1, ?)').run(randomBytes(32));
  },
};
