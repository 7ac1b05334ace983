import type { SqlDatabase } from '../store/sql/SqlDatabase.ts';
import {
  AUDIT_INSERT_SQL,
  auditEntryFromRow,
  auditInsertParams,
  auditListQuery,
  type AsyncAuditStore,
  type AuditEntry,
  type AuditEntryInput,
  type AuditFilter,
  type AuditRow,
} from './AuditStore.ts';

/**
 * The audit log on the SQL seam (SqliteAuditStore's statements, shared). `record` joins the
 * caller's `SqlDatabase.transaction`, so an act and its entry commit together.
 */
export class SqlAuditStore implements AsyncAuditStore {
  constructor(
    private readonly db: SqlDatabase,
    private readonly now: () => number,
  ) {}

  async record(entry: AuditEntryInput): Promise<number> {
    const row = await this.db.get<{ id: number }>(
      AUDIT_INSERT_SQL,
      auditInsertParams(entry, this.now()),
    );
    return row!.id;
  }

  async list(filter: AuditFilter = {}): Promise<AuditEntry[]> {
    const { sql, params } = auditListQuery(filter);
    return (await this.db.all<AuditRow>(sql, params)).map(auditEntryFromRow);
  }
}
