import type { PgMigration } from './pgMigrations.ts';

/**
 * What the auth routes keep besides users and sessions, on PostgreSQL (issue 19): password
 * reset links, pending sign-ups, known devices, unauthorized-use reports and login failures
 * (SQLite's 0004, 0008, 0011), and the ticket number counters (0007). Same names, columns and
 * constraints as SQLite's, with one addition: `rate_limit_hits` gets a `rowid` column, the
 * id SQLite gives every row, which the login throttle names an attempt's rows by — so its
 * statements are written once.
 */
export const pgAuthSchema: PgMigration = {
  version: 6,
  name: 'auth_tables_ticket_counters',
  sql: `
    CREATE TABLE password_resets (
      id         text PRIMARY KEY,
      user_id    text NOT NULL REFERENCES users (id),
      token_hash text NOT NULL UNIQUE,
      created_at bigint NOT NULL,
      expires_at bigint NOT NULL,
      used_at    bigint
    );
    CREATE INDEX password_resets_user ON password_resets (user_id);

    CREATE TABLE pending_signups (
      id             text PRIMARY KEY,
      token_hash     text NOT NULL UNIQUE,
      email          text NOT NULL,
      display_name   text NOT NULL,
      phone          text,
      password_hash  text NOT NULL,
      customer_kind  text NOT NULL CHECK (customer_kind IN ('organization', 'person')),
      customer_name  text NOT NULL,
      workspace_name text NOT NULL,
      workspace_slug text NOT NULL,
      terms_version  text NOT NULL,
      ip             text,
      created_at     bigint NOT NULL,
      expires_at     bigint NOT NULL
    );
    CREATE INDEX pending_signups_expires ON pending_signups (expires_at);

    CREATE TABLE known_devices (
      id           text PRIMARY KEY,
      user_id      text NOT NULL REFERENCES users (id),
      token_hash   text NOT NULL UNIQUE,
      created_at   bigint NOT NULL,
      last_used_at bigint NOT NULL,
      expires_at   bigint NOT NULL
    );
    CREATE INDEX known_devices_user ON known_devices (user_id, last_used_at);
    CREATE INDEX known_devices_expires ON known_devices (expires_at);

    CREATE TABLE security_reports (
      id             text PRIMARY KEY,
      user_id        text NOT NULL REFERENCES users (id),
      kind           text NOT NULL CHECK (kind IN ('unauthorized_use')),
      note           text,
      ip             text,
      user_agent     text,
      sessions_ended bigint NOT NULL,
      created_at     bigint NOT NULL
    );
    CREATE INDEX security_reports_created ON security_reports (created_at);

    CREATE TABLE rate_limit_hits (
      rowid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      key   text NOT NULL,
      at    bigint NOT NULL
    );
    CREATE INDEX rate_limit_hits_key_at ON rate_limit_hits (key, at);

    CREATE TABLE ticket_counters (
      workspace_id text PRIMARY KEY REFERENCES workspaces (id),
      last_number  bigint NOT NULL CHECK (last_number >= 0)
    );
  `,
};
