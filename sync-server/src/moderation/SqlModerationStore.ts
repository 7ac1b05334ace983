import {
  itemKeyOf,
  type DisabledItem,
  type ModeratedItem,
  type ModerationCase,
  type ModerationCaseSource,
  type ModerationDecision,
  type ModerationReport,
} from '@desk/protocol';
import { newId } from '../ids/newId.ts';
import { selectForUpdate, type SqlDatabase } from '../store/sql/SqlDatabase.ts';
import {
  BUMP_MODERATION_VERSION,
  inList,
  toCase,
  VERSIONS_PER_QUERY,
  toDecision,
  toReport,
  type AsyncModerationStore,
  type CaseRow,
  type DecisionRow,
  type DisabledSet,
  type NewNoticeCase,
  type NewReport,
  type ReportRow,
} from './ModerationStore.ts';

const CASE_SELECT = `SELECT c.id, c.workspace_id, c.item_key, c.item, c.source, c.reference, c.text,
    c.opened_at, c.status, c.reason, w.slug AS workspace_slug, w.name AS workspace_name
  FROM moderation_cases c JOIN workspaces w ON w.id = c.workspace_id`;
const REPORT_SELECT = `SELECT r.id, r.case_id, r.workspace_id, r.reported_by, r.category, r.text,
    r.created_at, c.item_key, c.item, u.display_name AS reporter_name
  FROM moderation_reports r
  JOIN moderation_cases c ON c.id = r.case_id
  LEFT JOIN users u ON u.id = r.reported_by`;
const DECISION_SELECT = `SELECT d.id, d.case_id, d.workspace_id, d.action, d.reason, d.decided_by,
    d.decided_at, c.item_key, c.item, u.display_name AS decider_name
  FROM moderation_decisions d
  JOIN moderation_cases c ON c.id = d.case_id
  LEFT JOIN users u ON u.id = d.decided_by`;

/**
 * Moderation on the SQL seam (store/sql/): the rules of SqliteModerationStore written once
 * for SQLite and PostgreSQL. Two differences, both for several processes:
 *
 * - A case is opened with `ON CONFLICT DO NOTHING` on its (workspace, item) key, so two
 *   processes filing the first reports about one item at once make one case, and the report
 *   that lost joins it.
 * - `disabledSet` is read from the database each time, not cached: it is the truth that
 *   REST views, exports and restores read (exact whichever process decided). The sync
 *   engine's synchronous checks ask `DisabledSets` instead, the process's cache of it, which
 *   `moderationChanged` over the access bus keeps current and a cut of that bus reloads — so
 *   this is read once per workspace and decision there, not per subscribe or update.
 *   Rows with the same time are ordered by id (PostgreSQL has no rowid): SQLite's store
 *   orders them by insertion.
 */
export class SqlModerationStore implements AsyncModerationStore {
  constructor(
    private readonly db: SqlDatabase,
    private readonly now: () => number,
  ) {}

  fileReport(input: NewReport): Promise<{ report: ModerationReport; caseOpened: boolean }> {
    const itemKey = itemKeyOf(input.item);
    const at = this.now();
    return this.db.transaction(async () => {
      const { caseId, opened } = await this.#openCase({
        workspaceId: input.workspaceId,
        itemKey,
        item: input.item,
        source: 'report',
        reference: null,
        text: '',
        openedBy: input.reportedBy,
        at,
      });
      const id = newId();
      await this.db.run(
        `INSERT INTO moderation_reports (id, case_id, workspace_id, reported_by, category, text, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
        [id, caseId, input.workspaceId, input.reportedBy, input.category, input.text, at],
      );
      const row = await this.db.get<ReportRow>(`${REPORT_SELECT} WHERE r.id = ?`, [id]);
      if (!row) throw new Error(`moderation report ${id} vanished`);
      return { report: toReport(row), caseOpened: opened };
    });
  }

  openNoticeCase(input: NewNoticeCase): Promise<{ caseId: string; opened: boolean }> {
    return this.#openCase({
      workspaceId: input.workspaceId,
      itemKey: itemKeyOf(input.item),
      item: input.item,
      source: input.source,
      reference: input.reference,
      text: input.text,
      openedBy: input.openedBy,
      at: this.now(),
    });
  }

  async getCase(caseId: string): Promise<ModerationCase | null> {
    const row = await this.db.get<CaseRow>(`${CASE_SELECT} WHERE c.id = ?`, [caseId]);
    return row ? this.#toCase(row) : null;
  }

  async listCases(limit = 500): Promise<ModerationCase[]> {
    const rows = await this.db.all<CaseRow>(
      `${CASE_SELECT}
        ORDER BY CASE c.status WHEN 'open' THEN 0 ELSE 1 END, c.opened_at DESC, c.id LIMIT ?`,
      [limit],
    );
    return Promise.all(rows.map((row) => this.#toCase(row)));
  }

  async reportsOf(workspaceId: string): Promise<ModerationReport[]> {
    const rows = await this.db.all<ReportRow>(
      `${REPORT_SELECT} WHERE r.workspace_id = ? ORDER BY r.created_at DESC, r.id DESC`,
      [workspaceId],
    );
    return rows.map(toReport);
  }

  async decisionsOf(workspaceId: string): Promise<ModerationDecision[]> {
    const rows = await this.db.all<DecisionRow>(
      `${DECISION_SELECT} WHERE d.workspace_id = ? ORDER BY d.decided_at DESC, d.id DESC`,
      [workspaceId],
    );
    return rows.map(toDecision);
  }

  /**
   * The case row is read for update: two operators deciding one case at once (two
   * processes) take turns, and the case's status and the disabled set end as the later
   * decision left them.
   */
  decide(
    caseId: string,
    action: 'disabled' | 'enabled',
    reason: string,
    decidedBy: string,
  ): Promise<ModerationDecision> {
    const at = this.now();
    const id = newId();
    return this.db.transaction(async () => {
      const row = await this.db.get<{ workspace_id: string; item_key: string }>(
        selectForUpdate(
          this.db,
          'SELECT workspace_id, item_key FROM moderation_cases WHERE id = ?',
        ),
        [caseId],
      );
      if (!row) throw new Error(`No moderation case ${caseId}`);
      await this.db.run(
        `INSERT INTO moderation_decisions (id, case_id, workspace_id, action, reason, decided_by, decided_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
        [id, caseId, row.workspace_id, action, reason, decidedBy, at],
      );
      await this.db.run('UPDATE moderation_cases SET status = ?, reason = ? WHERE id = ?', [
        action,
        reason,
        caseId,
      ]);
      if (action === 'disabled') {
        await this.db.run(
          `INSERT INTO disabled_items (workspace_id, item_key, case_id, reason, disabled_at)
           VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (workspace_id, item_key) DO UPDATE
             SET case_id = excluded.case_id, reason = excluded.reason`,
          [row.workspace_id, row.item_key, caseId, reason, at],
        );
      } else {
        await this.db.run('DELETE FROM disabled_items WHERE workspace_id = ? AND item_key = ?', [
          row.workspace_id,
          row.item_key,
        ]);
      }
      await this.db.run(BUMP_MODERATION_VERSION, [row.workspace_id]);
      const decision = await this.db.get<DecisionRow>(`${DECISION_SELECT} WHERE d.id = ?`, [id]);
      if (!decision) throw new Error(`moderation decision ${id} vanished`);
      return toDecision(decision);
    });
  }

  async disabledItems(workspaceId: string): Promise<DisabledItem[]> {
    const rows = await this.db.all<{
      item_key: string;
      reason: string;
      disabled_at: number;
      item: string;
    }>(
      `SELECT d.item_key, d.reason, d.disabled_at, c.item
         FROM disabled_items d JOIN moderation_cases c ON c.id = d.case_id
        WHERE d.workspace_id = ? ORDER BY d.disabled_at, d.item_key`,
      [workspaceId],
    );
    return rows.map((row) => ({
      itemKey: row.item_key,
      item: JSON.parse(row.item) as ModeratedItem,
      reason: row.reason,
      disabledAt: row.disabled_at,
    }));
  }

  async disabledSet(workspaceId: string): Promise<DisabledSet> {
    const rows = await this.db.all<{ item_key: string; reason: string }>(
      'SELECT item_key, reason FROM disabled_items WHERE workspace_id = ? ORDER BY disabled_at, item_key',
      [workspaceId],
    );
    const reasons = new Map(rows.map((row) => [row.item_key, row.reason]));
    return {
      reasonOf: (itemKey) => reasons.get(itemKey) ?? null,
      entries: rows.map((row) => ({ itemKey: row.item_key, reason: row.reason })),
    };
  }

  /** One query per 500 workspaces; PostgreSQL's bigint comes back as a string. */
  async moderationVersions(workspaceIds: readonly string[]): Promise<ReadonlyMap<string, number>> {
    const versions = new Map<string, number>();
    for (let i = 0; i < workspaceIds.length; i += VERSIONS_PER_QUERY) {
      const ids = workspaceIds.slice(i, i + VERSIONS_PER_QUERY);
      const rows = await this.db.all<{ workspace_id: string; version: number | string }>(
        `SELECT workspace_id, version FROM moderation_versions WHERE workspace_id IN ${inList(ids.length)}`,
        ids,
      );
      for (const row of rows) versions.set(row.workspace_id, Number(row.version));
    }
    return versions;
  }

  /** The item's case, opened now unless it has one. */
  async #openCase(input: {
    workspaceId: string;
    itemKey: string;
    item: ModeratedItem;
    source: ModerationCaseSource;
    reference: string | null;
    text: string;
    openedBy: string;
    at: number;
  }): Promise<{ caseId: string; opened: boolean }> {
    const id = newId();
    const { changes } = await this.db.run(
      `INSERT INTO moderation_cases (id, workspace_id, item_key, item, source, reference, text, opened_by, opened_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (workspace_id, item_key) DO NOTHING`,
      [
        id,
        input.workspaceId,
        input.itemKey,
        JSON.stringify(input.item),
        input.source,
        input.reference,
        input.text,
        input.openedBy,
        input.at,
      ],
    );
    if (changes === 1) return { caseId: id, opened: true };
    const existing = await this.db.get<{ id: string }>(
      'SELECT id FROM moderation_cases WHERE workspace_id = ? AND item_key = ?',
      [input.workspaceId, input.itemKey],
    );
    if (!existing) throw new Error(`moderation case of ${input.itemKey} vanished`);
    return { caseId: existing.id, opened: false };
  }

  async #toCase(row: CaseRow): Promise<ModerationCase> {
    const reports = await this.db.all<ReportRow>(
      `${REPORT_SELECT} WHERE r.case_id = ? ORDER BY r.created_at, r.id`,
      [row.id],
    );
    const decisions = await this.db.all<DecisionRow>(
      `${DECISION_SELECT} WHERE d.case_id = ? ORDER BY d.decided_at, d.id`,
      [row.id],
    );
    return toCase(row, reports, decisions);
  }
}
