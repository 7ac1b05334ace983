import type { Migration } from '../Migration.ts';

/**
 * The nouns every part shares: users, customers (who pays), workspaces (the customer's
 * "system", terms §1) and memberships (seats). Accounts and workspaces add their own
 * tables in later migrations.
 */
export const m0002Identity: Migration = {
  version: 2,
  name: 'identity',
  up(db) {
    db.exec(`
      CREATE TABLE users (
        id                  TEXT PRIMARY KEY,
        email               TEXT NOT NULL UNIQUE,  -- normalized: trimmed, domain lower-cased
        display_name        TEXT NOT NULL,
        phone               TEXT,
        password_hash       TEXT NOT NULL,         -- argon2id PHC string
        status              TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
        must_reset_password INTEGER NOT NULL DEFAULT 0 CHECK (must_reset_password IN (0, 1)),
        platform_role       TEXT CHECK (platform_role IN ('operator')),
        created_at          INTEGER NOT NULL,
        updated_at          INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE customers (
        id            TEXT PRIMARY KEY,
        kind          TEXT NOT NULL CHECK (kind IN ('organization', 'person')),
        name          TEXT NOT NULL,
        owner_user_id TEXT NOT NULL REFERENCES users(id),
        created_at    INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX customers_owner ON customers(owner_user_id);

      CREATE TABLE workspaces (
        id          TEXT PRIMARY KEY,              -- also the prefix of its document ids
        customer_id TEXT NOT NULL REFERENCES customers(id),
        slug        TEXT NOT NULL UNIQUE,
        name        TEXT NOT NULL,
        created_at  INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX workspaces_customer ON workspaces(customer_id);

      CREATE TABLE memberships (
        workspace_id TEXT NOT NULL REFERENCES workspaces(id),
        user_id      TEXT NOT NULL REFERENCES users(id),
        role         TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'agent', 'viewer')),
        created_at   INTEGER NOT NULL,
        PRIMARY KEY (workspace_id, user_id)
      ) STRICT;
      CREATE INDEX memberships_user ON memberships(user_id);
    `);
  },
};
