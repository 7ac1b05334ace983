import type { Migration } from '../Migration.ts';

/**
 * Known devices (issue 12): a browser that once logged in to an account holds a long-lived
 * random cookie; this row keeps only its SHA-256, as sessions do. A correct password from a
 * known device is not held back by failures other clients caused on the account, so no one
 * can lock an owner out by guessing at their email (auth/LoginThrottle).
 */
export const m0011KnownDevices: Migration = {
  version: 11,
  name: 'known devices',
  up(db) {
    db.exec(`
      CREATE TABLE known_devices (
        id           TEXT PRIMARY KEY,            -- public id; also names its throttle key
        user_id      TEXT NOT NULL REFERENCES users(id),
        token_hash   TEXT NOT NULL UNIQUE,        -- hex SHA-256 of the cookie token
        created_at   INTEGER NOT NULL,
        last_used_at INTEGER NOT NULL,
        expires_at   INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX known_devices_user ON known_devices(user_id, last_used_at);
      CREATE INDEX known_devices_expires ON known_devices(expires_at);
    `);
  },
};
