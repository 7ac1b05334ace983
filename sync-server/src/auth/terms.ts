import type { SqliteDatabase } from '../db/Database.ts';

/**
 * The version of the terms of service a user accepts at sign-up. Bump it when the terms
 * change; users who accepted an older version are asked again (terms header: "users
 * notified") — the check lives with whoever shows the terms, this is the one constant.
 */
export const CURRENT_TERMS_VERSION = '1';

/** `terms_acceptances` row for a user accepting `version` now. */
export function recordTermsAcceptance(
  db: SqliteDatabase,
  input: { userId: string; version: string; at: number; ip: string | null },
): void {
  db.prepare(
    `INSERT OR IGNORE INTO terms_acceptances (user_id, version, accepted_at, ip) VALUES (?, ?, ?, ?)`,
  ).run(input.userId, input.version, input.at, input.ip);
}
