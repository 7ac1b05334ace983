import type { PgMigration } from './pgMigrations.ts';

/**
 * What the operator's mail keeps on PostgreSQL (issue 19): feature announcements, their
 * deliveries, users' opt-outs and the opt-out links' signing key (SQLite's 0019), and the
 * mail outbox (0004). Same names, columns and constraints as SQLite's, with two differences:
 *
 * - `announcements` and `mail_outbox` get a `rowid` column, the id SQLite gives every row,
 *   which their lists break a millisecond's ties by (newest first): the statements are
 *   written once, and two rows of one millisecond keep their insertion order.
 * - `announcement_signing_key` is made empty: SqlAnnouncementStore writes the key on first
 *   use (node's `randomBytes`, the first of two racing processes wins), since PostgreSQL
 *   has no strong random bytes without pgcrypto.
 */
export const pgAdminSchema: PgMigration = {
  version: 8,
  name: 'announcements_mail_outbox',
  sql: `
    CREATE TABLE announcements (
      rowid       bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
      id          text PRIMARY KEY,
      subject     text NOT NULL,
      body        text NOT NULL,
      audience    text NOT NULL CHECK (audience IN ('all', 'owners')),
      created_at  bigint NOT NULL,
      created_by  text REFERENCES users (id),
      recipients  bigint NOT NULL,
      opted_out   bigint NOT NULL,
      cursor      text NOT NULL DEFAULT '',
      finished_at bigint
    );
    CREATE INDEX announcements_unfinished ON announcements (created_at) WHERE finished_at IS NULL;

    CREATE TABLE announcement_deliveries (
      announcement_id text NOT NULL REFERENCES announcements (id),
      user_id         text NOT NULL REFERENCES users (id),
      status          text NOT NULL CHECK (status IN ('sending', 'sent', 'failed', 'interrupted')),
      at              bigint NOT NULL,
      PRIMARY KEY (announcement_id, user_id)
    );
    CREATE INDEX announcement_deliveries_sending ON announcement_deliveries (status)
      WHERE status = 'sending';

    CREATE TABLE announcement_opt_outs (
      user_id text PRIMARY KEY REFERENCES users (id),
      at      bigint NOT NULL
    );

    CREATE TABLE announcement_signing_key (
      id  integer PRIMARY KEY CHECK (id = 1),
      key bytea NOT NULL
    );

    CREATE TABLE mail_outbox (
      rowid      bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
      id         text PRIMARY KEY,
      to_address text NOT NULL,
      subject    text NOT NULL,
      text_body  text NOT NULL,
      html_body  text NOT NULL,
      created_at bigint NOT NULL
    );
    CREATE INDEX mail_outbox_created ON mail_outbox (created_at);
  `,
};
