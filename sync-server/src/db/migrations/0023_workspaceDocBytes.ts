import type { Migration } from '../Migration.ts';

/**
 * What each workspace's documents weigh in the store — their merged states plus the logs
 * after them (`doc_states.bytes + docs.log_bytes`, what the document-size limit counts) —
 * for the storage quota (SPEC.md, LIMIT-8): an upload checks it inside its write
 * transaction, so it must be a lookup, not a sum over 100,000 rows. Kept exact by triggers
 * on `docs` and `doc_states`, so every path that writes them (the sync pipeline's append,
 * compaction, account and workspace deletion, a restore) keeps it right without knowing it
 * exists. A state row is always removed before its doc row (foreign key), so its doc's
 * workspace is still there to find.
 */
export const m0023WorkspaceDocBytes: Migration = {
  version: 23,
  name: 'workspace_doc_bytes',
  up(db) {
    const add = (workspace: string, delta: string) => `
        INSERT INTO workspace_doc_bytes (workspace_id, bytes) VALUES (${workspace}, ${delta})
          ON CONFLICT (workspace_id) DO UPDATE SET bytes = bytes + excluded.bytes;`;
    const workspaceOf = (docId: string) =>
      `(SELECT workspace_id FROM docs WHERE doc_id = ${docId})`;
    db.exec(`
      CREATE TABLE workspace_doc_bytes (
        workspace_id TEXT PRIMARY KEY,
        bytes        INTEGER NOT NULL
      ) WITHOUT ROWID;

      INSERT INTO workspace_doc_bytes (workspace_id, bytes)
        SELECT d.workspace_id, SUM(COALESCE(s.bytes, 0) + d.log_bytes)
        FROM docs d LEFT JOIN doc_states s ON s.doc_id = d.doc_id
        GROUP BY d.workspace_id;

      CREATE TRIGGER docs_bytes_added AFTER INSERT ON docs
      BEGIN ${add('NEW.workspace_id', 'NEW.log_bytes')}
      END;

      CREATE TRIGGER docs_bytes_changed AFTER UPDATE OF log_bytes ON docs
        WHEN NEW.log_bytes != OLD.log_bytes
      BEGIN ${add('NEW.workspace_id', 'NEW.log_bytes - OLD.log_bytes')}
      END;

      CREATE TRIGGER docs_bytes_removed AFTER DELETE ON docs
      BEGIN ${add('OLD.workspace_id', '-OLD.log_bytes')}
      END;

      CREATE TRIGGER doc_states_bytes_added AFTER INSERT ON doc_states
      BEGIN ${add(workspaceOf('NEW.doc_id'), 'NEW.bytes')}
      END;

      CREATE TRIGGER doc_states_bytes_changed AFTER UPDATE OF bytes ON doc_states
        WHEN NEW.bytes != OLD.bytes
      BEGIN ${add(workspaceOf('NEW.doc_id'), 'NEW.bytes - OLD.bytes')}
      END;

      CREATE TRIGGER doc_states_bytes_removed AFTER DELETE ON doc_states
      BEGIN ${add(workspaceOf('OLD.doc_id'), '-OLD.bytes')}
      END;
    `);
  },
};
