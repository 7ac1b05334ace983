import { TERMS_V1_TEXT } from '../../db/migrations/0014_termsV1Text.ts';
import type { PgMigration } from './pgMigrations.ts';

/** 2026-11-01T00:00:00Z: version 1's effective date, as SQLite's migration 14 seeds it. */
const TERMS_V1_EFFECTIVE_AT = Date.UTC(2026, 10, 1);

/**
 * What the sync server's socket path checks besides sessions and memberships, on PostgreSQL
 * (issue 19): terms versions and acceptances (SQLite's 0004, 0014), moderation cases,
 * reports, decisions and the disabled items (0024), the blob catalog and upload reservations
 * (0001, 0012), the storage quota's counters (0023, 0025) and the workspace deletion
 * schedule (0021). Same names, columns and constraints as SQLite's, so the `Sql…` stores'
 * statements are written once.
 *
 * The counters are kept by triggers as in SQLite, so every writer of `docs`, `doc_states`
 * and `workspace_blobs` (PgDocStore's append, compaction, deletion) keeps them exact without
 * knowing they exist. One difference: `doc_states` goes with its doc by ON DELETE CASCADE
 * here, and the cascade runs after the doc row is gone, when a state's workspace can no
 * longer be found — so deleting a doc first deletes its state itself (BEFORE DELETE), while
 * the doc is there to name the workspace.
 */
export const pgSocketPathSchema: PgMigration = {
  version: 5,
  name: 'terms_moderation_blobs_deletions',
  sql: `
    CREATE TABLE terms_versions (
      version         integer PRIMARY KEY,
      text            text NOT NULL,
      changes         text NOT NULL,
      effective_at    bigint NOT NULL,
      published_at    bigint NOT NULL,
      published_by    text REFERENCES users (id),
      announce_cursor text,
      announced_at    bigint
    );
    CREATE INDEX terms_versions_effective ON terms_versions (effective_at);
    INSERT INTO terms_versions (version, text, changes, effective_at, published_at, announced_at)
      VALUES (1, $terms_v1$${TERMS_V1_TEXT}$terms_v1$, 'The first version.',
              ${TERMS_V1_EFFECTIVE_AT}, ${TERMS_V1_EFFECTIVE_AT}, ${TERMS_V1_EFFECTIVE_AT});

    CREATE TABLE terms_acceptances (
      user_id     text NOT NULL REFERENCES users (id),
      version     text NOT NULL,
      accepted_at bigint NOT NULL,
      ip          text,
      PRIMARY KEY (user_id, version)
    );

    CREATE TABLE moderation_cases (
      id           text PRIMARY KEY,
      workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
      item_key     text NOT NULL,
      item         text NOT NULL,
      source       text NOT NULL CHECK (source IN ('report', 'ip_notice', 'authority_notice')),
      reference    text,
      text         text NOT NULL DEFAULT '',
      opened_by    text,
      opened_at    bigint NOT NULL,
      status       text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'disabled', 'enabled')),
      reason       text,
      UNIQUE (workspace_id, item_key)
    );
    CREATE INDEX moderation_cases_open ON moderation_cases (status, opened_at);

    CREATE TABLE moderation_reports (
      id           text PRIMARY KEY,
      case_id      text NOT NULL REFERENCES moderation_cases (id) ON DELETE CASCADE,
      workspace_id text NOT NULL,
      reported_by  text NOT NULL,
      category     text NOT NULL,
      text         text NOT NULL,
      created_at   bigint NOT NULL
    );
    CREATE INDEX moderation_reports_workspace ON moderation_reports (workspace_id, created_at);
    CREATE INDEX moderation_reports_case ON moderation_reports (case_id);

    CREATE TABLE moderation_decisions (
      id           text PRIMARY KEY,
      case_id      text NOT NULL REFERENCES moderation_cases (id) ON DELETE CASCADE,
      workspace_id text NOT NULL,
      action       text NOT NULL CHECK (action IN ('disabled', 'enabled')),
      reason       text NOT NULL,
      decided_by   text NOT NULL,
      decided_at   bigint NOT NULL
    );
    CREATE INDEX moderation_decisions_workspace ON moderation_decisions (workspace_id, decided_at);
    CREATE INDEX moderation_decisions_case ON moderation_decisions (case_id);

    CREATE TABLE disabled_items (
      workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
      item_key     text NOT NULL,
      case_id      text NOT NULL REFERENCES moderation_cases (id) ON DELETE CASCADE,
      reason       text NOT NULL,
      disabled_at  bigint NOT NULL,
      PRIMARY KEY (workspace_id, item_key)
    );

    CREATE TABLE blobs (
      sha256     text PRIMARY KEY CHECK (length(sha256) = 64),
      size       bigint NOT NULL CHECK (size >= 0),
      created_at bigint NOT NULL
    );

    CREATE TABLE workspace_blobs (
      workspace_id text NOT NULL REFERENCES workspaces (id),
      sha256       text NOT NULL REFERENCES blobs (sha256),
      name         text NOT NULL,
      type         text NOT NULL,
      size         bigint NOT NULL,
      uploaded_by  text NOT NULL REFERENCES users (id),
      uploaded_at  bigint NOT NULL,
      PRIMARY KEY (workspace_id, sha256)
    );
    CREATE INDEX workspace_blobs_sha ON workspace_blobs (sha256);

    CREATE TABLE blob_reservations (
      id           text PRIMARY KEY,
      workspace_id text NOT NULL REFERENCES workspaces (id),
      bytes        bigint NOT NULL CHECK (bytes > 0),
      created_at   bigint NOT NULL
    );
    CREATE INDEX blob_reservations_workspace ON blob_reservations (workspace_id);

    CREATE TABLE workspace_doc_bytes (
      workspace_id text PRIMARY KEY,
      bytes        bigint NOT NULL
    );
    INSERT INTO workspace_doc_bytes (workspace_id, bytes)
      SELECT d.workspace_id, SUM(COALESCE(s.bytes, 0) + d.log_bytes)
      FROM docs d LEFT JOIN doc_states s ON s.doc_id = d.doc_id
      GROUP BY d.workspace_id;

    CREATE FUNCTION desk_add_doc_bytes(p_workspace text, p_delta bigint) RETURNS void
    LANGUAGE sql AS $$
      INSERT INTO workspace_doc_bytes AS b (workspace_id, bytes) VALUES (p_workspace, p_delta)
        ON CONFLICT (workspace_id) DO UPDATE SET bytes = b.bytes + excluded.bytes;
    $$;

    CREATE FUNCTION docs_bytes_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        PERFORM desk_add_doc_bytes(NEW.workspace_id, NEW.log_bytes);
      ELSIF TG_OP = 'UPDATE' THEN
        PERFORM desk_add_doc_bytes(NEW.workspace_id, NEW.log_bytes - OLD.log_bytes);
      ELSE
        PERFORM desk_add_doc_bytes(OLD.workspace_id, -OLD.log_bytes);
      END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER docs_bytes_added AFTER INSERT ON docs
      FOR EACH ROW EXECUTE FUNCTION docs_bytes_changed();
    CREATE TRIGGER docs_bytes_changed AFTER UPDATE OF log_bytes ON docs
      FOR EACH ROW WHEN (NEW.log_bytes <> OLD.log_bytes) EXECUTE FUNCTION docs_bytes_changed();
    CREATE TRIGGER docs_bytes_removed AFTER DELETE ON docs
      FOR EACH ROW EXECUTE FUNCTION docs_bytes_changed();

    CREATE FUNCTION docs_state_removed_first() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      DELETE FROM doc_states WHERE doc_id = OLD.doc_id;
      RETURN OLD;
    END $$;
    CREATE TRIGGER docs_state_removed_first BEFORE DELETE ON docs
      FOR EACH ROW EXECUTE FUNCTION docs_state_removed_first();

    CREATE FUNCTION doc_states_bytes_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      v_doc       text := CASE WHEN TG_OP = 'DELETE' THEN OLD.doc_id ELSE NEW.doc_id END;
      v_workspace text;
    BEGIN
      SELECT workspace_id INTO v_workspace FROM docs WHERE doc_id = v_doc;
      IF v_workspace IS NULL THEN
        RETURN NULL;
      END IF;
      IF TG_OP = 'INSERT' THEN
        PERFORM desk_add_doc_bytes(v_workspace, NEW.bytes);
      ELSIF TG_OP = 'UPDATE' THEN
        PERFORM desk_add_doc_bytes(v_workspace, NEW.bytes - OLD.bytes);
      ELSE
        PERFORM desk_add_doc_bytes(v_workspace, -OLD.bytes);
      END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER doc_states_bytes_added AFTER INSERT ON doc_states
      FOR EACH ROW EXECUTE FUNCTION doc_states_bytes_changed();
    CREATE TRIGGER doc_states_bytes_changed AFTER UPDATE OF bytes ON doc_states
      FOR EACH ROW WHEN (NEW.bytes <> OLD.bytes) EXECUTE FUNCTION doc_states_bytes_changed();
    CREATE TRIGGER doc_states_bytes_removed AFTER DELETE ON doc_states
      FOR EACH ROW EXECUTE FUNCTION doc_states_bytes_changed();

    CREATE TABLE workspace_file_bytes (
      workspace_id text PRIMARY KEY,
      bytes        bigint NOT NULL
    );
    CREATE FUNCTION workspace_blobs_bytes_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      v_workspace text := CASE WHEN TG_OP = 'DELETE' THEN OLD.workspace_id ELSE NEW.workspace_id END;
      v_delta     bigint := CASE TG_OP WHEN 'INSERT' THEN NEW.size
                                       WHEN 'UPDATE' THEN NEW.size - OLD.size
                                       ELSE -OLD.size END;
    BEGIN
      INSERT INTO workspace_file_bytes AS b (workspace_id, bytes) VALUES (v_workspace, v_delta)
        ON CONFLICT (workspace_id) DO UPDATE SET bytes = b.bytes + excluded.bytes;
      RETURN NULL;
    END $$;
    CREATE TRIGGER workspace_blobs_bytes_added AFTER INSERT ON workspace_blobs
      FOR EACH ROW EXECUTE FUNCTION workspace_blobs_bytes_changed();
    CREATE TRIGGER workspace_blobs_bytes_changed AFTER UPDATE OF size ON workspace_blobs
      FOR EACH ROW WHEN (NEW.size <> OLD.size) EXECUTE FUNCTION workspace_blobs_bytes_changed();
    CREATE TRIGGER workspace_blobs_bytes_removed AFTER DELETE ON workspace_blobs
      FOR EACH ROW EXECUTE FUNCTION workspace_blobs_bytes_changed();

    CREATE TABLE workspace_deletions (
      workspace_id text PRIMARY KEY REFERENCES workspaces (id),
      reason       text NOT NULL CHECK (reason IN ('owner_request', 'subscription_terminated')),
      requested_by text REFERENCES users (id),
      requested_at bigint NOT NULL,
      purge_after  bigint NOT NULL
    );
    CREATE INDEX workspace_deletions_due ON workspace_deletions (purge_after);

    CREATE TABLE workspace_purge_warnings (
      workspace_id text NOT NULL,
      purge_after  bigint NOT NULL,
      days_before  integer NOT NULL,
      sent_at      bigint NOT NULL,
      PRIMARY KEY (workspace_id, purge_after, days_before)
    );

    CREATE TABLE purged_workspaces (
      workspace_id text PRIMARY KEY,
      customer_id  text NOT NULL,
      reason       text NOT NULL,
      requested_at bigint,
      purged_at    bigint NOT NULL
    );
  `,
};
