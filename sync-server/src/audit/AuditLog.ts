import type { SqliteDatabase } from '../db/Database.ts';
import {
  SqliteAuditStore,
  type AuditEntry,
  type AuditEntryInput,
  type AuditFilter,
} from './AuditStore.ts';

export type {
  AuditActor,
  AuditActorKind,
  AuditEntry,
  AuditEntryInput,
  AuditFilter,
} from './AuditStore.ts';

/**
 * The audit log on a bare database, for the snapshot restorer and its tests, which are
 * given a database rather than an `AuditStore` (snapshots/ is being reworked on its own).
 * Everything else uses the `AuditStore` built once in createServices; once the restorer
 * takes that store too, this file goes.
 */
export const AuditLog = {
  record(db: SqliteDatabase, entry: AuditEntryInput, now: number): number {
    return new SqliteAuditStore(db, () => now).record(entry);
  },

  /** Newest first; `before` is an entry id for paging. */
  list(db: SqliteDatabase, filter: AuditFilter = {}): AuditEntry[] {
    return new SqliteAuditStore(db, Date.now).list(filter);
  },
};
