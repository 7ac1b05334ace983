import {
  itemKeyOf,
  type DisabledItem,
  type ModeratedItem,
  type ModerationCase,
  type ModerationCaseSource,
  type ModerationCategory,
  type ModerationDecision,
  type ModerationReport,
} from '@desk/protocol';
import type { SqliteDatabase } from '../db/Database.ts';
import { newId } from '../ids/newId.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';

export interface NewReport {
  readonly workspaceId: string;
  readonly item: ModeratedItem;
  readonly reportedBy: string;
  readonly category: ModerationCategory;
  readonly text: string;
}

export interface NewNoticeCase {
  readonly workspaceId: string;
  readonly item: ModeratedItem;
  readonly source: Exclude<ModerationCaseSource, 'report'>;
  readonly reference: string;
  readonly text: string;
  readonly openedBy: string;
}

/** What is disabled now in one workspace, as lookups (the sync engine asks per document). */
export interface DisabledSet {
  /** The operator's reason, or null when the key is not disabled. */
  reasonOf(itemKey: string): string | null;
  readonly entries: readonly { itemKey: string; reason: string }[];
}

/**
 * Reports, cases, decisions and what is disabled now (tables of migration 24; terms §4). One
 * case per item and workspace: a report about an item that already has a case joins it. The
 * store keeps references only; it never reads or copies the reported content.
 */
export interface ModerationStore {
  /** Files a report, joining (or opening) the item's case. */
  fileReport(input: NewReport): { report: ModerationReport; caseOpened: boolean };
  /**
   * Opens the item's case from an outside notice; an item that already has a case keeps it
   * (returned, `opened` false) — the notice is still audited by the caller.
   */
  openNoticeCase(input: NewNoticeCase): { caseId: string; opened: boolean };
  getCase(caseId: string): ModerationCase | null;
  /** Open cases first, then decided ones; newest first within each. */
  listCases(limit?: number): ModerationCase[];
  /** Every report about the workspace, newest first. */
  reportsOf(workspaceId: string): ModerationReport[];
  /** Every decision about the workspace, newest first. */
  decisionsOf(workspaceId: string): ModerationDecision[];
  /**
   * Disables (`disabled`) or re-enables (`enabled`) the case's item with a reason: the
   * decision row, the case status and the disabled set change together. Returns the decision.
   */
  decide(
    caseId: string,
    action: 'disabled' | 'enabled',
    reason: string,
    decidedBy: string,
  ): ModerationDecision;
  /** What is disabled now in the workspace, oldest first. */
  disabledItems(workspaceId: string): DisabledItem[];
  /** The same as lookups; cached per workspace until the next decision there. */
  disabledSet(workspaceId: string): DisabledSet;
  /**
   * How many decisions each workspace has had (raised in the decision's transaction;
   * migration 30): a process keeping disabled sets reads a set again when its count moved.
   * A workspace without a decision is left out (count 0).
   */
  moderationVersions(workspaceIds: readonly string[]): ReadonlyMap<string, number>;
}

/** Workspaces per `moderationVersions` query (bound parameters stay well under the limits). */
export const VERSIONS_PER_QUERY = 500;

/** `workspace_id IN (?, …)` for `count` ids. */
export function inList(count: number): string {
  return `(${Array.from({ length: count }, () => '?').join(', ')})`;
}

/** Raises the workspace's decision count, in the decision's transaction (both backends). */
export const BUMP_MODERATION_VERSION = `INSERT INTO moderation_versions (workspace_id, version)
  VALUES (?, 1)
  ON CONFLICT (workspace_id) DO UPDATE SET version = moderation_versions.version + 1`;

/** The ModerationStore as callers see it once PostgreSQL may be behind it. */
export type AsyncModerationStore = AsyncStore<ModerationStore>;

/** A row as the stores read it (SQLite and the SQL seam). */
export interface CaseRow {
  id: string;
  workspace_id: string;
  workspace_slug: string;
  workspace_name: string;
  item_key: string;
  item: string;
  source: ModerationCaseSource;
  reference: string | null;
  text: string;
  opened_at: number;
  status: ModerationCase['status'];
  reason: string | null;
}

/** A row as the stores read it (SQLite and the SQL seam). */
export interface ReportRow {
  id: string;
  case_id: string;
  workspace_id: string;
  item_key: string;
  item: string;
  category: ModerationCategory;
  text: string;
  reported_by: string;
  reporter_name: string | null;
  created_at: number;
}

/** A row as the stores read it (SQLite and the SQL seam). */
export interface DecisionRow {
  id: string;
  case_id: string;
  workspace_id: string;
  item_key: string;
  item: string;
  action: 'disabled' | 'enabled';
  reason: string;
  decided_by: string;
  decider_name: string | null;
  decided_at: number;
}

const CASE_SELECT = `SELECT c.*, w.slug AS workspace_slug, w.name AS workspace_name
  FROM moderation_cases c JOIN workspaces w ON w.id = c.workspace_id`;
const REPORT_SELECT = `SELECT r.*, c.item_key, c.item, u.display_name AS reporter_name
  FROM moderation_reports r
  JOIN moderation_cases c ON c.id = r.case_id
  LEFT JOIN users u ON u.id = r.reported_by`;
const DECISION_SELECT = `SELECT d.*, c.item_key, c.item, u.display_name AS decider_name
  FROM moderation_decisions d
  JOIN moderation_cases c ON c.id = d.case_id
  LEFT JOIN users u ON u.id = d.decided_by`;

export class SqliteModerationStore implements ModerationStore {
  readonly #sets = new Map<string, DisabledSet>();

  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number,
  ) {}

  fileReport(input: NewReport): { report: ModerationReport; caseOpened: boolean } {
    const itemKey = itemKeyOf(input.item);
    const at = this.now();
    const { caseId, opened } = this.db.transaction(() => {
      const existing = this.#caseIdOf(input.workspaceId, itemKey);
      if (existing) return { caseId: existing, opened: false };
      const id = newId();
      this.db
        .prepare(
          `INSERT INTO moderation_cases (id, workspace_id, item_key, item, source, reference, text, opened_by, opened_at)
           VALUES (?, ?, ?, ?, 'report', NULL, '', ?, ?)`,
        )
        .run(id, input.workspaceId, itemKey, JSON.stringify(input.item), input.reportedBy, at);
      return { caseId: id, opened: true };
    })();
    const id = newId();
    this.db
      .prepare(
        `INSERT INTO moderation_reports (id, case_id, workspace_id, reported_by, category, text, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(id, caseId, input.workspaceId, input.reportedBy, input.category, input.text, at);
    const row = this.db.prepare(`${REPORT_SELECT} WHERE r.id = ?`).get(id) as ReportRow;
    return { report: toReport(row), caseOpened: opened };
  }

  openNoticeCase(input: NewNoticeCase): { caseId: string; opened: boolean } {
    const itemKey = itemKeyOf(input.item);
    const existing = this.#caseIdOf(input.workspaceId, itemKey);
    if (existing) return { caseId: existing, opened: false };
    const id = newId();
    this.db
      .prepare(
        `INSERT INTO moderation_cases (id, workspace_id, item_key, item, source, reference, text, opened_by, opened_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        input.workspaceId,
        itemKey,
        JSON.stringify(input.item),
        input.source,
        input.reference,
        input.text,
        input.openedBy,
        this.now(),
      );
    return { caseId: id, opened: true };
  }

  getCase(caseId: string): ModerationCase | null {
    const row = this.db.prepare(`${CASE_SELECT} WHERE c.id = ?`).get(caseId) as CaseRow | undefined;
    return row ? this.#toCase(row) : null;
  }

  listCases(limit = 500): ModerationCase[] {
    const rows = this.db
      .prepare(
        `${CASE_SELECT} ORDER BY CASE c.status WHEN 'open' THEN 0 ELSE 1 END, c.opened_at DESC, c.id LIMIT ?`,
      )
      .all(limit) as CaseRow[];
    return rows.map((row) => this.#toCase(row));
  }

  reportsOf(workspaceId: string): ModerationReport[] {
    const rows = this.db
      .prepare(`${REPORT_SELECT} WHERE r.workspace_id = ? ORDER BY r.created_at DESC, r.rowid DESC`)
      .all(workspaceId) as ReportRow[];
    return rows.map(toReport);
  }

  decisionsOf(workspaceId: string): ModerationDecision[] {
    const rows = this.db
      .prepare(
        `${DECISION_SELECT} WHERE d.workspace_id = ? ORDER BY d.decided_at DESC, d.rowid DESC`,
      )
      .all(workspaceId) as DecisionRow[];
    return rows.map(toDecision);
  }

  decide(
    caseId: string,
    action: 'disabled' | 'enabled',
    reason: string,
    decidedBy: string,
  ): ModerationDecision {
    const at = this.now();
    const id = newId();
    const workspaceId = this.db.transaction(() => {
      const row = this.db
        .prepare('SELECT workspace_id, item_key FROM moderation_cases WHERE id = ?')
        .get(caseId) as { workspace_id: string; item_key: string } | undefined;
      if (!row) throw new Error(`No moderation case ${caseId}`);
      this.db
        .prepare(
          `INSERT INTO moderation_decisions (id, case_id, workspace_id, action, reason, decided_by, decided_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(id, caseId, row.workspace_id, action, reason, decidedBy, at);
      this.db
        .prepare('UPDATE moderation_cases SET status = ?, reason = ? WHERE id = ?')
        .run(action, reason, caseId);
      if (action === 'disabled') {
        this.db
          .prepare(
            `INSERT INTO disabled_items (workspace_id, item_key, case_id, reason, disabled_at)
             VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (workspace_id, item_key) DO UPDATE
               SET case_id = excluded.case_id, reason = excluded.reason`,
          )
          .run(row.workspace_id, row.item_key, caseId, reason, at);
      } else {
        this.db
          .prepare('DELETE FROM disabled_items WHERE workspace_id = ? AND item_key = ?')
          .run(row.workspace_id, row.item_key);
      }
      this.db.prepare(BUMP_MODERATION_VERSION).run(row.workspace_id);
      return row.workspace_id;
    })();
    this.#sets.delete(workspaceId);
    const row = this.db.prepare(`${DECISION_SELECT} WHERE d.id = ?`).get(id) as DecisionRow;
    return toDecision(row);
  }

  disabledItems(workspaceId: string): DisabledItem[] {
    const rows = this.db
      .prepare(
        `SELECT d.item_key, d.reason, d.disabled_at, c.item
           FROM disabled_items d JOIN moderation_cases c ON c.id = d.case_id
          WHERE d.workspace_id = ? ORDER BY d.disabled_at, d.item_key`,
      )
      .all(workspaceId) as {
      item_key: string;
      reason: string;
      disabled_at: number;
      item: string;
    }[];
    return rows.map((row) => ({
      itemKey: row.item_key,
      item: JSON.parse(row.item) as ModeratedItem,
      reason: row.reason,
      disabledAt: row.disabled_at,
    }));
  }

  disabledSet(workspaceId: string): DisabledSet {
    let set = this.#sets.get(workspaceId);
    if (!set) {
      const rows = this.db
        .prepare(
          'SELECT item_key, reason FROM disabled_items WHERE workspace_id = ? ORDER BY disabled_at, item_key',
        )
        .all(workspaceId) as { item_key: string; reason: string }[];
      const reasons = new Map(rows.map((row) => [row.item_key, row.reason]));
      set = {
        reasonOf: (itemKey) => reasons.get(itemKey) ?? null,
        entries: rows.map((row) => ({ itemKey: row.item_key, reason: row.reason })),
      };
      // Bounded: one entry per workspace that asked since its last decision.
      if (this.#sets.size > 10_000) this.#sets.clear();
      this.#sets.set(workspaceId, set);
    }
    return set;
  }

  moderationVersions(workspaceIds: readonly string[]): ReadonlyMap<string, number> {
    const versions = new Map<string, number>();
    for (let i = 0; i < workspaceIds.length; i += VERSIONS_PER_QUERY) {
      const ids = workspaceIds.slice(i, i + VERSIONS_PER_QUERY);
      const rows = this.db
        .prepare(
          `SELECT workspace_id, version FROM moderation_versions WHERE workspace_id IN ${inList(ids.length)}`,
        )
        .all(...ids) as { workspace_id: string; version: number }[];
      for (const row of rows) versions.set(row.workspace_id, row.version);
    }
    return versions;
  }

  #caseIdOf(workspaceId: string, itemKey: string): string | null {
    return (
      (this.db
        .prepare('SELECT id FROM moderation_cases WHERE workspace_id = ? AND item_key = ?')
        .pluck()
        .get(workspaceId, itemKey) as string | undefined) ?? null
    );
  }

  #toCase(row: CaseRow): ModerationCase {
    const reports = this.db
      .prepare(`${REPORT_SELECT} WHERE r.case_id = ? ORDER BY r.created_at, r.rowid`)
      .all(row.id) as ReportRow[];
    const decisions = this.db
      .prepare(`${DECISION_SELECT} WHERE d.case_id = ? ORDER BY d.decided_at, d.rowid`)
      .all(row.id) as DecisionRow[];
    return toCase(row, reports, decisions);
  }
}

/** A case with its reports and decisions, oldest first. */
export function toCase(
  row: CaseRow,
  reports: readonly ReportRow[],
  decisions: readonly DecisionRow[],
): ModerationCase {
  return {
    id: row.id,
    workspace: { id: row.workspace_id, slug: row.workspace_slug, name: row.workspace_name },
    item: JSON.parse(row.item) as ModeratedItem,
    itemKey: row.item_key,
    source: row.source,
    reference: row.reference,
    text: row.text,
    status: row.status,
    openedAt: row.opened_at,
    reason: row.reason,
    reports: reports.map((r) => ({
      id: r.id,
      category: r.category,
      text: r.text,
      reportedBy: { userId: r.reported_by, displayName: r.reporter_name ?? '' },
      createdAt: r.created_at,
    })),
    decisions: decisions.map((d) => ({
      id: d.id,
      action: d.action,
      reason: d.reason,
      decidedAt: d.decided_at,
      decidedBy: { userId: d.decided_by, displayName: d.decider_name ?? '' },
    })),
  };
}

export function toReport(row: ReportRow): ModerationReport {
  return {
    id: row.id,
    caseId: row.case_id,
    workspaceId: row.workspace_id,
    item: JSON.parse(row.item) as ModeratedItem,
    itemKey: row.item_key,
    category: row.category,
    text: row.text,
    reportedBy: { userId: row.reported_by, displayName: row.reporter_name ?? '' },
    createdAt: row.created_at,
  };
}

export function toDecision(row: DecisionRow): ModerationDecision {
  return {
    id: row.id,
    caseId: row.case_id,
    workspaceId: row.workspace_id,
    item: JSON.parse(row.item) as ModeratedItem,
    itemKey: row.item_key,
    action: row.action,
    reason: row.reason,
    decidedAt: row.decided_at,
  };
}
