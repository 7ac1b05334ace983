import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from '../db/Database.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';

/** One published version of the terms of service. */
export interface TermsVersion {
  readonly version: number;
  readonly text: string;
  /** What changed since the version before, in the operator's words. */
  readonly changes: string;
  /** From this moment (ms since the epoch) users must have accepted it to use the service. */
  readonly effectiveAt: number;
  readonly publishedAt: number;
  /** How many users the announcement email went to so far, and whether it is done. */
  readonly announced: boolean;
}

/** A published version whose announcement email has not gone to every user yet. */
export interface PendingAnnouncement {
  readonly version: number;
  readonly effectiveAt: number;
  readonly changes: string;
  /** The id of the last user mailed, or null before the first batch. */
  readonly cursor: string | null;
}

interface Row {
  version: number;
  text: string;
  changes: string;
  effective_at: number;
  published_at: number;
  announced_at: number | null;
}

const fromRow = (r: Row): TermsVersion => ({
  version: r.version,
  text: r.text,
  changes: r.changes,
  effectiveAt: r.effective_at,
  publishedAt: r.published_at,
  announced: r.announced_at !== null,
});

/**
 * Version 1 is the text users accepted on the sign-up and invitation forms before terms
 * became data (migration 14 seeds it). It is enforced like every later version: an account
 * that never accepted it (an operator made by `create-operator`, or any account made
 * outside the forms) is refused by the server until it accepts, not only asked by the web.
 */
export const SEED_TERMS_VERSION = 1;

/**
 * Terms of service versions and who accepted which (tables `terms_versions`,
 * `terms_acceptances`). Versions are numbered from 1; a user is bound by the newest version
 * whose effective date has passed.
 */
export interface TermsStore {
  get(version: number): TermsVersion | null;
  /** Newest first. */
  list(): TermsVersion[];
  inForce(): TermsVersion;
  /** A published version not in force yet. */
  upcoming(): TermsVersion | null;
  /** The highest version the user accepted (0: none). */
  acceptedBy(userId: string): number;
  hasAcceptedInForce(userId: string): boolean;
  /** The version in force when the user must accept it before going on, else null. */
  blocking(userId: string): TermsVersion | null;
  /** Records the acceptance now (idempotent). */
  accept(input: { userId: string; version: number; ip: string | null }): void;
  /** Records an acceptance made earlier (on the sign-up form), named as the form named it. */
  recordAcceptance(input: { userId: string; version: string; at: number; ip: string | null }): void;
  /** How many users accepted each version, keyed by the version as recorded. */
  acceptanceCounts(): Map<string, number>;
  /** The highest version whose effective date has come (0: none). */
  versionInForce(): number;
  /** The next effective date still to come, or null. */
  nextEffectiveAt(): number | null;
  /** Ids of the users who have not accepted `version` or a later one. */
  usersBehind(version: number): string[];
  /** The oldest version not announced to every user yet, or null. */
  pendingAnnouncement(): PendingAnnouncement | null;
  /** Every user was mailed about `version`. */
  markAnnounced(version: number): void;
  /** The users up to `cursor` (by id) were mailed about `version`. */
  advanceAnnouncement(version: number, cursor: string): void;
  /** Throws EffectiveDateTooEarly when an earlier version takes effect later. */
  publish(input: {
    text: string;
    changes: string;
    effectiveAt: number;
    publishedBy: string;
  }): TermsVersion;
}

/** The TermsStore as callers see it once PostgreSQL may be behind it (`SqlTermsStore`). */
export type AsyncTermsStore = AsyncStore<TermsStore>;

/** The terms versions (migration 14) and who accepted which. */
export class SqliteTermsStore implements TermsStore {
  /** Asked at every upgrade and login (blocking): prepared on first use, once. */
  #inForce: Statement<[number]> | null = null;
  #acceptedBy: Statement<[string]> | null = null;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number,
  ) {}

  get(version: number): TermsVersion | null {
    const row = this.db.prepare('SELECT * FROM terms_versions WHERE version = ?').get(version) as
      Row | undefined;
    return row ? fromRow(row) : null;
  }

  /** Newest first. */
  list(): TermsVersion[] {
    const rows = this.db
      .prepare('SELECT * FROM terms_versions ORDER BY version DESC')
      .all() as Row[];
    return rows.map(fromRow);
  }

  /** The newest version whose effective date has come. Migration 14 seeds one, so never null. */
  inForce(): TermsVersion {
    this.#inForce ??= this.db.prepare<[number]>(
      'SELECT * FROM terms_versions WHERE effective_at <= ? ORDER BY version DESC LIMIT 1',
    );
    const row = this.#inForce.get(this.now()) as Row | undefined;
    if (row) return fromRow(row);
    const first = this.get(SEED_TERMS_VERSION);
    if (!first) throw new Error('terms_versions has no version 1 (migration 14 seeds it)');
    return first;
  }

  /** A published version that is not in force yet (the newest), or null. */
  upcoming(): TermsVersion | null {
    const row = this.db
      .prepare('SELECT * FROM terms_versions WHERE effective_at > ? ORDER BY version DESC LIMIT 1')
      .get(this.now()) as Row | undefined;
    return row ? fromRow(row) : null;
  }

  /** The highest version this user accepted (0 for none). */
  acceptedBy(userId: string): number {
    this.#acceptedBy ??= this.db.prepare<[string]>(
      'SELECT version FROM terms_acceptances WHERE user_id = ?',
    );
    const rows = this.#acceptedBy.all(userId) as { version: string }[];
    // Acceptances before migration 14 were named by date and renamed by it; anything that
    // is not a number is older than every version.
    return rows.reduce((max, r) => {
      const n = Number(r.version);
      return Number.isInteger(n) && n > max ? n : max;
    }, 0);
  }

  /** Whether the user accepted the version in force (or a later one). */
  hasAcceptedInForce(userId: string): boolean {
    return this.acceptedBy(userId) >= this.inForce().version;
  }

  /**
   * The version the server makes this user accept before anything else, or null. Accepting
   * a later version counts for the earlier ones. Version 1 too (issue 16: acceptance
   * enforced by the UI only is what the issue forbids).
   */
  blocking(userId: string): TermsVersion | null {
    const inForce = this.inForce();
    return this.acceptedBy(userId) >= inForce.version ? null : inForce;
  }

  /** Records the acceptance (user, version, time, client address); accepting twice keeps the first. */
  accept(input: { userId: string; version: number; ip: string | null }): void {
    this.db
      .prepare(
        `INSERT OR IGNORE INTO terms_acceptances (user_id, version, accepted_at, ip) VALUES (?, ?, ?, ?)`,
      )
      .run(input.userId, String(input.version), this.now(), input.ip);
  }

  /** Inserts the next version; its effective date may not come before the latest one's. */
  recordAcceptance(input: {
    userId: string;
    version: string;
    at: number;
    ip: string | null;
  }): void {
    this.db
      .prepare(
        `INSERT OR IGNORE INTO terms_acceptances (user_id, version, accepted_at, ip) VALUES (?, ?, ?, ?)`,
      )
      .run(input.userId, input.version, input.at, input.ip);
  }

  acceptanceCounts(): Map<string, number> {
    const rows = this.db
      .prepare('SELECT version, COUNT(*) AS n FROM terms_acceptances GROUP BY version')
      .all() as { version: string; n: number }[];
    return new Map(rows.map((r) => [r.version, r.n]));
  }

  versionInForce(): number {
    const row = this.db
      .prepare('SELECT MAX(version) AS v FROM terms_versions WHERE effective_at <= ?')
      .get(this.now()) as { v: number | null };
    return row.v ?? 0;
  }

  nextEffectiveAt(): number | null {
    const row = this.db
      .prepare('SELECT MIN(effective_at) AS at FROM terms_versions WHERE effective_at > ?')
      .get(this.now()) as { at: number | null };
    return row.at;
  }

  usersBehind(version: number): string[] {
    const rows = this.db
      .prepare(
        `SELECT id FROM users WHERE id NOT IN (
           SELECT user_id FROM terms_acceptances WHERE CAST(version AS INTEGER) >= ?)`,
      )
      .all(version) as { id: string }[];
    return rows.map((r) => r.id);
  }

  pendingAnnouncement(): PendingAnnouncement | null {
    const row = this.db
      .prepare(
        `SELECT version, effective_at, changes, announce_cursor FROM terms_versions
          WHERE announced_at IS NULL ORDER BY version LIMIT 1`,
      )
      .get() as
      | { version: number; effective_at: number; changes: string; announce_cursor: string | null }
      | undefined;
    return row
      ? {
          version: row.version,
          effectiveAt: row.effective_at,
          changes: row.changes,
          cursor: row.announce_cursor,
        }
      : null;
  }

  markAnnounced(version: number): void {
    this.db
      .prepare('UPDATE terms_versions SET announced_at = ? WHERE version = ?')
      .run(this.now(), version);
  }

  advanceAnnouncement(version: number, cursor: string): void {
    this.db
      .prepare('UPDATE terms_versions SET announce_cursor = ? WHERE version = ?')
      .run(cursor, version);
  }

  publish(input: {
    text: string;
    changes: string;
    effectiveAt: number;
    publishedBy: string;
  }): TermsVersion {
    return this.db.transaction(() => {
      const latest = this.db
        .prepare('SELECT MAX(version) AS v, MAX(effective_at) AS e FROM terms_versions')
        .get() as { v: number | null; e: number | null };
      if (latest.e !== null && input.effectiveAt < latest.e) {
        throw new EffectiveDateTooEarly(latest.e);
      }
      const version = (latest.v ?? 0) + 1;
      this.db
        .prepare(
          `INSERT INTO terms_versions (version, text, changes, effective_at, published_at, published_by)
           VALUES (?, ?, ?, ?, ?, ?)`,
        )
        .run(version, input.text, input.changes, input.effectiveAt, this.now(), input.publishedBy);
      const published = this.get(version);
      if (!published) throw new Error(`terms version ${version} vanished`);
      return published;
    })();
  }
}

/** A new version must not take effect before the one published before it. */
export class EffectiveDateTooEarly extends Error {
  constructor(readonly notBefore: number) {
    super(`effective date before ${new Date(notBefore).toISOString()}`);
    this.name = 'EffectiveDateTooEarly';
  }
}
