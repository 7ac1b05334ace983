import type { Migration } from '../Migration.ts';

/**
 * What each workspace's attachments weigh (`SUM(workspace_blobs.size)`), kept exact by
 * triggers as migration 23 keeps its documents' bytes: the storage quota (SPEC.md, LIMIT-8
 * and LIMIT-12) is checked on every document write that adds content, so documents plus
 * attachments must be two lookups, not a sum over a workspace's files. Every path that adds
 * or removes a file row (upload, import, workspace purge) keeps it right without knowing it
 * exists.
 */
export const m0025WorkspaceFileBytes: Migration = {
  version: 25,
  name: 'workspace_file_bytes',
  up(db) {
    const add = (workspace: string, delta: string) => `
        INSERT INTO workspace_file_bytes (workspace_id, bytes) VALUES (${workspace}, ${delta})
          ON CONFLICT (workspace_id) DO UPDATE SET bytes = bytes + excluded.bytes;`;
    db.exec(`
      CREATE TABLE workspace_file_bytes (
        workspace_id TEXT PRIMARY KEY,
        bytes        INTEGER NOT NULL
      ) WITHOUT ROWID;

      INSERT INTO workspace_file_bytes (workspace_id, bytes)
        SELECT workspace_id, SUM(size) FROM workspace_blobs GROUP BY workspace_id;

      CREATE TRIGGER workspace_blobs_bytes_added AFTER INSERT ON workspace_blobs
      BEGIN ${add('NEW.workspace_id', 'NEW.size')}
      END;

      CREATE TRIGGER workspace_blobs_bytes_changed AFTER UPDATE OF size ON workspace_blobs
        WHEN NEW.size != OLD.size
      BEGIN ${add('NEW.workspace_id', 'NEW.size - OLD.size')}
      END;

      CREATE TRIGGER workspace_blobs_bytes_removed AFTER DELETE ON workspace_blobs
      BEGIN ${add('OLD.workspace_id', '-OLD.size')}
      END;
    `);
  },
};
