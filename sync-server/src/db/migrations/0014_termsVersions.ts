import type { Migration } from '../Migration.ts';
import { TERMS_V1_TEXT } from './0014_termsV1Text.ts';

/** The constant version (auth/terms.ts) acceptances were recorded under before this migration. */
const LEGACY_VERSION = '2026-11-01';
/** 2026-11-01T00:00:00Z, the day that constant names. */
const LEGACY_EFFECTIVE_AT = Date.UTC(2026, 10, 1);

/**
 * Versioned terms (issue 16): terms versions become data. The operator publishes a version
 * (text, the changes in words, an effective date); from that date users who have not accepted
 * it are refused until they do. The announcement email goes out in batches after the request:
 * `announce_cursor` is the last user id mailed (resumable after a restart), `announced_at` is
 * set when every user has been mailed. The version that was a constant is version 1, and the
 * acceptances and pending sign-ups recorded under its old name now name it by number.
 */
export const m0014TermsVersions: Migration = {
  version: 14,
  name: 'terms versions',
  up(db) {
    db.exec(`
      CREATE TABLE terms_versions (
        version         INTEGER PRIMARY KEY,
        text            TEXT NOT NULL,
        changes         TEXT NOT NULL,
        effective_at    INTEGER NOT NULL,
        published_at    INTEGER NOT NULL,
        published_by    TEXT REFERENCES users(id),
        announce_cursor TEXT,
        announced_at    INTEGER
      ) STRICT;
      CREATE INDEX terms_versions_effective ON terms_versions(effective_at);
    `);
    db.prepare(
      `INSERT INTO terms_versions (version, text, changes, effective_at, published_at, announced_at)
       VALUES (1, ?, 'The first version.', ?, ?, ?)`,
    ).run(TERMS_V1_TEXT, LEGACY_EFFECTIVE_AT, LEGACY_EFFECTIVE_AT, LEGACY_EFFECTIVE_AT);
    db.prepare(`UPDATE terms_acceptances SET version = '1' WHERE version = ?`).run(LEGACY_VERSION);
    db.prepare(`UPDATE pending_signups SET terms_version = '1' WHERE terms_version = ?`).run(
      LEGACY_VERSION,
    );
  },
};
