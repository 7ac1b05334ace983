import type { Migration } from '../Migration.ts';

/**
 * Storage reserved by uploads in flight (issue 12, races): an upload reserves its declared
 * size against the workspace's quota before it writes a byte, in the same transaction that
 * checks the quota, and gives it back when it is stored or fails — so parallel uploads can
 * never together store more than the quota (blobs/BlobQuota).
 */
export const m0012BlobReservations: Migration = {
  version: 12,
  name: 'blob reservations',
  up(db) {
    db.exec(`
      CREATE TABLE blob_reservations (
        id           TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL REFERENCES workspaces(id),
        bytes        INTEGER NOT NULL CHECK (bytes > 0),
        created_at   INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX blob_reservations_workspace ON blob_reservations(workspace_id);
    `);
  },
};
