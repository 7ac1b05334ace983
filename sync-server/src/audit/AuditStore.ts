import type { SqliteDatabase } from '../db/Database.ts';
import { AuditLog, type AuditEntry, type AuditEntryInput } from './AuditLog.ts';

/**
 * What operators, billing and the system did (table `audit_log`, terms §3). A change and its
 * entry are written in one transaction: call `record` inside the change's `transactions.write`.
 */
export interface AuditStore {
  /** Records the entry now; returns its id. */
  record(entry: AuditEntryInput): number;
  /** Newest first; `before` is an entry id for paging. */
  list(filter?: {
    workspaceId?: string;
    targetId?: string;
    before?: number;
    limit?: number;
  }): AuditEntry[];
}

/** The SQLite store: the `AuditLog` functions, on one database and clock. */
export class SqliteAuditStore implements AuditStore {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number,
  ) {}

  record(entry: AuditEntryInput): number {
    return AuditLog.record(this.db, entry, this.now());
  }

  list(
    filter: { workspaceId?: string; targetId?: string; before?: number; limit?: number } = {},
  ): AuditEntry[] {
    return AuditLog.list(this.db, filter);
  }
}
