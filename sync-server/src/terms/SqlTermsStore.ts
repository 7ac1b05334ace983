import type { SqlDatabase } from '../store/sql/SqlDatabase.ts';
import {
  EffectiveDateTooEarly,
  SEED_TERMS_VERSION,
  type AsyncTermsStore,
  type PendingAnnouncement,
  type TermsVersion,
} from './TermsStore.ts';

interface Row {
  version: number;
  text: string;
  changes: string;
  effective_at: number;
  published_at: number;
  announced_at: number | null;
}

const COLUMNS = 'version, text, changes, effective_at, published_at, announced_at';

const fromRow = (r: Row): TermsVersion => ({
  version: r.version,
  text: r.text,
  changes: r.changes,
  effectiveAt: r.effective_at,
  publishedAt: r.published_at,
  announced: r.announced_at !== null,
});

/** How often `publish` starts again after another process took the same version number. */
const PUBLISH_ATTEMPTS = 5;

/**
 * Terms versions and acceptances on the SQL seam (store/sql/): the rules of SqliteTermsStore,
 * written once for SQLite and PostgreSQL. `blocking` is asked at every upgrade and login:
 * two lookups (the version in force, the user's acceptances).
 */
export class SqlTermsStore implements AsyncTermsStore {
  constructor(
    private readonly db: SqlDatabase,
    private readonly now: () => number,
  ) {}

  async get(version: number): Promise<TermsVersion | null> {
    const row = await this.db.get<Row>(`SELECT ${COLUMNS} FROM terms_versions WHERE version = ?`, [
      version,
    ]);
    return row ? fromRow(row) : null;
  }

  async list(): Promise<TermsVersion[]> {
    const rows = await this.db.all<Row>(
      `SELECT ${COLUMNS} FROM terms_versions ORDER BY version DESC`,
    );
    return rows.map(fromRow);
  }

  async inForce(): Promise<TermsVersion> {
    const row = await this.db.get<Row>(
      `SELECT ${COLUMNS} FROM terms_versions WHERE effective_at <= ? ORDER BY version DESC LIMIT 1`,
      [this.now()],
    );
    if (row) return fromRow(row);
    const first = await this.get(SEED_TERMS_VERSION);
    if (!first) throw new Error('terms_versions has no version 1 (the schema seeds it)');
    return first;
  }

  async upcoming(): Promise<TermsVersion | null> {
    const row = await this.db.get<Row>(
      `SELECT ${COLUMNS} FROM terms_versions WHERE effective_at > ? ORDER BY version DESC LIMIT 1`,
      [this.now()],
    );
    return row ? fromRow(row) : null;
  }

  async acceptedBy(userId: string): Promise<number> {
    const rows = await this.db.all<{ version: string }>(
      'SELECT version FROM terms_acceptances WHERE user_id = ?',
      [userId],
    );
    // A version recorded under a name that is not a number is older than every version.
    return rows.reduce((max, r) => {
      const n = Number(r.version);
      return Number.isInteger(n) && n > max ? n : max;
    }, 0);
  }

  async hasAcceptedInForce(userId: string): Promise<boolean> {
    return (await this.blocking(userId)) === null;
  }

  async blocking(userId: string): Promise<TermsVersion | null> {
    const inForce = await this.inForce();
    return (await this.acceptedBy(userId)) >= inForce.version ? null : inForce;
  }

  async accept(input: { userId: string; version: number; ip: string | null }): Promise<void> {
    await this.#insertAcceptance(input.userId, String(input.version), this.now(), input.ip);
  }

  async recordAcceptance(input: {
    userId: string;
    version: string;
    at: number;
    ip: string | null;
  }): Promise<void> {
    await this.#insertAcceptance(input.userId, input.version, input.at, input.ip);
  }

  async acceptanceCounts(): Promise<Map<string, number>> {
    const rows = await this.db.all<{ version: string; n: number }>(
      'SELECT version, COUNT(*) AS n FROM terms_acceptances GROUP BY version',
    );
    return new Map(rows.map((r) => [r.version, r.n]));
  }

  async versionInForce(): Promise<number> {
    const row = await this.db.get<{ v: number | null }>(
      'SELECT MAX(version) AS v FROM terms_versions WHERE effective_at <= ?',
      [this.now()],
    );
    return row?.v ?? 0;
  }

  async nextEffectiveAt(): Promise<number | null> {
    const row = await this.db.get<{ at: number | null }>(
      'SELECT MIN(effective_at) AS at FROM terms_versions WHERE effective_at > ?',
      [this.now()],
    );
    return row?.at ?? null;
  }

  async usersBehind(version: number): Promise<string[]> {
    // Acceptances name versions as text; matched against the published versions' names
    // rather than cast, since PostgreSQL refuses to cast a name that is not a number.
    const rows = await this.db.all<{ id: string }>(
      `SELECT id FROM users WHERE id NOT IN (
         SELECT user_id FROM terms_acceptances WHERE version IN (
           SELECT CAST(version AS TEXT) FROM terms_versions WHERE version >= ?))
       ORDER BY id`,
      [version],
    );
    return rows.map((r) => r.id);
  }

  async pendingAnnouncement(): Promise<PendingAnnouncement | null> {
    const row = await this.db.get<{
      version: number;
      effective_at: number;
      changes: string;
      announce_cursor: string | null;
    }>(
      `SELECT version, effective_at, changes, announce_cursor FROM terms_versions
        WHERE announced_at IS NULL ORDER BY version LIMIT 1`,
    );
    return row
      ? {
          version: row.version,
          effectiveAt: row.effective_at,
          changes: row.changes,
          cursor: row.announce_cursor,
        }
      : null;
  }

  async markAnnounced(version: number): Promise<void> {
    await this.db.run('UPDATE terms_versions SET announced_at = ? WHERE version = ?', [
      this.now(),
      version,
    ]);
  }

  async advanceAnnouncement(version: number, cursor: string): Promise<void> {
    await this.db.run('UPDATE terms_versions SET announce_cursor = ? WHERE version = ?', [
      cursor,
      version,
    ]);
  }

  /**
   * Takes the next version number. Two processes publishing at once read the same latest
   * version (a transaction cannot lock a row that does not exist yet): the second insert
   * meets the first's primary key and starts again, reading the new latest — so the second
   * gets the next number, or EffectiveDateTooEarly when it would take effect before the first.
   */
  async publish(input: {
    text: string;
    changes: string;
    effectiveAt: number;
    publishedBy: string;
  }): Promise<TermsVersion> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#publishOnce(input);
      } catch (error) {
        if (attempt >= PUBLISH_ATTEMPTS || !this.db.dialect.isUniqueViolation(error)) throw error;
      }
    }
  }

  #publishOnce(input: {
    text: string;
    changes: string;
    effectiveAt: number;
    publishedBy: string;
  }): Promise<TermsVersion> {
    return this.db.transaction(async () => {
      const latest = await this.db.get<{ v: number | null; e: number | null }>(
        'SELECT MAX(version) AS v, MAX(effective_at) AS e FROM terms_versions',
      );
      if (latest?.e != null && input.effectiveAt < latest.e) {
        throw new EffectiveDateTooEarly(latest.e);
      }
      const version = (latest?.v ?? 0) + 1;
      await this.db.run(
        `INSERT INTO terms_versions (version, text, changes, effective_at, published_at, published_by)
         VALUES (?, ?, ?, ?, ?, ?)`,
        [version, input.text, input.changes, input.effectiveAt, this.now(), input.publishedBy],
      );
      const published = await this.get(version);
      if (!published) throw new Error(`terms version ${version} vanished`);
      return published;
    });
  }

  async #insertAcceptance(
    userId: string,
    version: string,
    at: number,
    ip: string | null,
  ): Promise<void> {
    // Accepting twice keeps the first acceptance (its time and address).
    await this.db.run(
      `INSERT INTO terms_acceptances (user_id, version, accepted_at, ip) VALUES (?, ?, ?, ?)
       ON CONFLICT (user_id, version) DO NOTHING`,
      [userId, version, at, ip],
    );
  }
}
