import type { SqliteDatabase } from '../db/Database.ts';

import { TermsVersions } from '../terms/TermsVersions.ts';

/**
 * The version of the terms of service in force (terms/TermsVersions: versions are data since
 * migration 14; operators publish new ones), as the string acceptances record: what a user
 * accepts on the sign-up and invitation forms.
 */
export function currentTermsVersion(db: SqliteDatabase, now: number): string {
  return String(new TermsVersions(db, () => now).inForce().version);
}

/** `terms_acceptances` row for a user accepting `version` now. */
export function recordTermsAcceptance(
  db: SqliteDatabase,
  input: { userId: string; version: string; at: number; ip: string | null },
): void {
  db.prepare(
    `INSERT OR IGNORE INTO terms_acceptances (user_id, version, accepted_at, ip) VALUES (?, ?, ?, ?)`,
  ).run(input.userId, input.version, input.at, input.ip);
}
