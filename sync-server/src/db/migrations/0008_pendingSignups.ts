import type { Migration } from '../Migration.ts';

/**
 * Sign-ups waiting for their email to be confirmed (issue 12). Sign-up answers the same
 * whether or not the address has an account, so the account is only made once the address's
 * owner opens the emailed link. The row keeps what the person typed (the password only as
 * its argon2id hash) and the link's token only as its SHA-256; it is deleted when used.
 */
export const m0008PendingSignups: Migration = {
  version: 8,
  name: 'pending signups',
  up(db) {
    db.exec(`
      CREATE TABLE pending_signups (
        id             TEXT PRIMARY KEY,
        token_hash     TEXT NOT NULL UNIQUE,      -- hex SHA-256 of the emailed token
        email          TEXT NOT NULL,
        display_name   TEXT NOT NULL,
        phone          TEXT,
        password_hash  TEXT NOT NULL,             -- argon2id, as users.password_hash
        customer_kind  TEXT NOT NULL CHECK (customer_kind IN ('organization', 'person')),
        customer_name  TEXT NOT NULL,
        workspace_name TEXT NOT NULL,
        workspace_slug TEXT NOT NULL,
        terms_version  TEXT NOT NULL,             -- accepted on the sign-up form
        ip             TEXT,                      -- of the sign-up request (terms acceptance)
        created_at     INTEGER NOT NULL,
        expires_at     INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX pending_signups_expires ON pending_signups(expires_at);
    `);
  },
};
