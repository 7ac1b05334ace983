import type { PgMigration } from './pgMigrations.ts';

/**
 * The control plane on PostgreSQL (issue 19): accounts, sessions, access tokens, customers,
 * workspaces, memberships, invitations, the seat ledger, subscriptions, billing receipts and
 * the audit log — the tables of SQLite's 0002_identity, 0004_auth and 0005_workspaces, with
 * the same names, columns and constraints, so the stores' SQL (store/sql/) is written once.
 * Times are ms since the epoch in bigint columns; 0/1 flags stay integers (SQLite has no
 * boolean) so a row reads the same from either engine; SQLite's AUTOINCREMENT ids are
 * identity columns.
 */
export const pgControlPlaneSchema: PgMigration = {
  version: 3,
  name: 'control_plane',
  sql: `
    CREATE TABLE users (
      id                  text PRIMARY KEY,
      email               text NOT NULL UNIQUE,
      display_name        text NOT NULL,
      phone               text,
      password_hash       text NOT NULL,
      status              text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
      must_reset_password integer NOT NULL DEFAULT 0 CHECK (must_reset_password IN (0, 1)),
      platform_role       text CHECK (platform_role IN ('operator')),
      created_at          bigint NOT NULL,
      updated_at          bigint NOT NULL
    );

    CREATE TABLE customers (
      id            text PRIMARY KEY,
      kind          text NOT NULL CHECK (kind IN ('organization', 'person')),
      name          text NOT NULL,
      owner_user_id text NOT NULL REFERENCES users (id),
      created_at    bigint NOT NULL
    );
    CREATE INDEX customers_owner ON customers (owner_user_id);

    CREATE TABLE workspaces (
      id          text PRIMARY KEY,
      customer_id text NOT NULL REFERENCES customers (id),
      slug        text NOT NULL UNIQUE,
      name        text NOT NULL,
      created_at  bigint NOT NULL
    );
    CREATE INDEX workspaces_customer ON workspaces (customer_id);

    CREATE TABLE memberships (
      workspace_id text NOT NULL REFERENCES workspaces (id),
      user_id      text NOT NULL REFERENCES users (id),
      role         text NOT NULL CHECK (role IN ('owner', 'admin', 'agent', 'viewer')),
      created_at   bigint NOT NULL,
      PRIMARY KEY (workspace_id, user_id)
    );
    CREATE INDEX memberships_user ON memberships (user_id);

    CREATE TABLE sessions (
      id           text PRIMARY KEY,
      user_id      text NOT NULL REFERENCES users (id),
      token_hash   text NOT NULL UNIQUE,
      created_at   bigint NOT NULL,
      expires_at   bigint NOT NULL,
      last_seen_at bigint NOT NULL,
      ip           text,
      user_agent   text
    );
    CREATE INDEX sessions_user ON sessions (user_id);
    CREATE INDEX sessions_expires ON sessions (expires_at);

    CREATE TABLE access_tokens (
      id           text PRIMARY KEY,
      user_id      text NOT NULL REFERENCES users (id),
      workspace_id text NOT NULL REFERENCES workspaces (id),
      name         text NOT NULL,
      token_hash   text NOT NULL UNIQUE,
      created_at   bigint NOT NULL,
      expires_at   bigint,
      last_used_at bigint,
      revoked_at   bigint
    );
    CREATE INDEX access_tokens_user ON access_tokens (user_id);

    CREATE TABLE subscriptions (
      workspace_id        text PRIMARY KEY REFERENCES workspaces (id),
      plan_id             text NOT NULL,
      state               text NOT NULL
                          CHECK (state IN ('trialing', 'active', 'past_due', 'suspended', 'terminated')),
      suspended_reason    text CHECK (suspended_reason IN ('trial_expired', 'non_payment', 'operator')),
      seat_limit_override integer CHECK (seat_limit_override IS NULL OR seat_limit_override >= 1),
      trial_ends_at       bigint,
      terminated_at       bigint,
      delete_after        bigint,
      state_changed_at    bigint NOT NULL,
      created_at          bigint NOT NULL,
      updated_at          bigint NOT NULL
    );
    CREATE INDEX subscriptions_trial_end ON subscriptions (trial_ends_at) WHERE state = 'trialing';

    CREATE TABLE invitations (
      id           text PRIMARY KEY,
      workspace_id text NOT NULL REFERENCES workspaces (id),
      email        text NOT NULL,
      role         text NOT NULL CHECK (role IN ('admin', 'agent', 'viewer')),
      token_hash   text NOT NULL UNIQUE,
      invited_by   text NOT NULL REFERENCES users (id),
      created_at   bigint NOT NULL,
      expires_at   bigint NOT NULL,
      last_sent_at bigint NOT NULL,
      send_count   integer NOT NULL DEFAULT 1,
      accepted_at  bigint,
      accepted_by  text REFERENCES users (id),
      revoked_at   bigint,
      revoked_by   text REFERENCES users (id)
    );
    CREATE INDEX invitations_workspace ON invitations (workspace_id, created_at);
    CREATE UNIQUE INDEX invitations_open_email ON invitations (workspace_id, email)
      WHERE accepted_at IS NULL AND revoked_at IS NULL;

    CREATE TABLE seat_ledger (
      id            bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
      workspace_id  text NOT NULL REFERENCES workspaces (id),
      user_id       text NOT NULL REFERENCES users (id),
      event         text NOT NULL CHECK (event IN ('joined', 'removed', 'role_changed')),
      role          text CHECK (role IN ('owner', 'admin', 'agent', 'viewer')),
      previous_role text CHECK (previous_role IN ('owner', 'admin', 'agent', 'viewer')),
      actor_user_id text REFERENCES users (id),
      seats_after   integer NOT NULL,
      at            bigint NOT NULL
    );
    CREATE INDEX seat_ledger_workspace ON seat_ledger (workspace_id, id);

    CREATE TABLE billing_events (
      event_id     text PRIMARY KEY,
      type         text NOT NULL,
      workspace_id text,
      received_at  bigint NOT NULL
    );

    CREATE TABLE audit_log (
      id            bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
      at            bigint NOT NULL,
      actor_kind    text NOT NULL CHECK (actor_kind IN ('operator', 'user', 'billing', 'system')),
      actor_user_id text REFERENCES users (id),
      action        text NOT NULL,
      target_kind   text NOT NULL,
      target_id     text NOT NULL,
      workspace_id  text,
      customer_id   text,
      details       text NOT NULL DEFAULT '{}'
    );
    CREATE INDEX audit_log_workspace ON audit_log (workspace_id, id);
    CREATE INDEX audit_log_at ON audit_log (at);
  `,
};
