import type { Migration } from '../Migration.ts';

/**
 * Accounts and sessions (issue 4). Every secret a client holds (session token, access
 * token, reset token) is stored only as its SHA-256 (hex), so a leaked database copy does
 * not let anyone in. Rate-limit hits live here too, so limits hold across restarts.
 */
export const m0004Auth: Migration = {
  version: 4,
  name: 'auth',
  up(db) {
    db.exec(`
      -- Lucia-style sessions: the cookie carries the token, this row its SHA-256.
      CREATE TABLE sessions (
        id           TEXT PRIMARY KEY,            -- public id (list, revoke, access events)
        user_id      TEXT NOT NULL REFERENCES users(id),
        token_hash   TEXT NOT NULL UNIQUE,        -- hex SHA-256 of the cookie token
        created_at   INTEGER NOT NULL,
        expires_at   INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL,
        ip           TEXT,
        user_agent   TEXT
      ) STRICT;
      CREATE INDEX sessions_user ON sessions(user_id);

      -- Personal access tokens: one workspace each, for scripts and integrations.
      CREATE TABLE access_tokens (
        id           TEXT PRIMARY KEY,
        user_id      TEXT NOT NULL REFERENCES users(id),
        workspace_id TEXT NOT NULL REFERENCES workspaces(id),
        name         TEXT NOT NULL,
        token_hash   TEXT NOT NULL UNIQUE,
        created_at   INTEGER NOT NULL,
        expires_at   INTEGER,                     -- null: until revoked
        last_used_at INTEGER,
        revoked_at   INTEGER
      ) STRICT;
      CREATE INDEX access_tokens_user ON access_tokens(user_id);

      CREATE TABLE password_resets (
        id         TEXT PRIMARY KEY,
        user_id    TEXT NOT NULL REFERENCES users(id),
        token_hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at    INTEGER
      ) STRICT;
      CREATE INDEX password_resets_user ON password_resets(user_id);

      -- Sliding-window rate limiting: one row per counted attempt.
      CREATE TABLE rate_limit_hits (
        key TEXT NOT NULL,
        at  INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX rate_limit_hits_key_at ON rate_limit_hits(key, at);

      -- Terms §2: a user reports unauthorized use; operators read these.
      CREATE TABLE security_reports (
        id         TEXT PRIMARY KEY,
        user_id    TEXT NOT NULL REFERENCES users(id),
        kind       TEXT NOT NULL CHECK (kind IN ('unauthorized_use')),
        note       TEXT,
        ip         TEXT,
        user_agent TEXT,
        sessions_ended INTEGER NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX security_reports_created ON security_reports(created_at);

      CREATE TABLE terms_acceptances (
        user_id     TEXT NOT NULL REFERENCES users(id),
        version     TEXT NOT NULL,
        accepted_at INTEGER NOT NULL,
        ip          TEXT,
        PRIMARY KEY (user_id, version)
      ) STRICT;

      -- The outbox: mail kept for the mailbox page when no SMTP server is configured.
      CREATE TABLE mail_outbox (
        id         TEXT PRIMARY KEY,
        to_address TEXT NOT NULL,
        subject    TEXT NOT NULL,
        text_body  TEXT NOT NULL,
        html_body  TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX mail_outbox_created ON mail_outbox(created_at);
    `);
  },
};
