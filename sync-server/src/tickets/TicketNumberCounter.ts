import type { SqliteDatabase } from '../db/Database.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';

/** @default 20 numbers per block — a day of offline work for a small team. */
export const DEFAULT_BLOCK_SIZE = 20;
/** @default 100 — the most one request may reserve, so a client cannot burn the range. */
export const MAX_BLOCK_SIZE = 100;

export interface NumberBlock {
  readonly from: number;
  readonly to: number;
}

/**
 * Hands out disjoint blocks of ticket numbers per workspace from one SQL counter. One
 * statement (upsert … RETURNING) reads and moves the counter, so concurrent requests — even
 * from several server processes on one database — never get overlapping blocks.
 */
export interface TicketNumberCounter {
  /** The next `count` numbers of the workspace (1..MAX_BLOCK_SIZE), never handed out before. */
  reserve(workspaceId: string, count?: number): NumberBlock;
}

/** The TicketNumberCounter as callers see it once PostgreSQL may be behind it (`SqlTicketNumberCounter`). */
export type AsyncTicketNumberCounter = AsyncStore<TicketNumberCounter>;

export class SqliteTicketNumberCounter implements TicketNumberCounter {
  private readonly reserveStatement;

  constructor(db: SqliteDatabase) {
    this.reserveStatement = db.prepare<[string, number]>(
      `INSERT INTO ticket_counters (workspace_id, last_number) VALUES (?, ?)
       ON CONFLICT (workspace_id) DO UPDATE SET last_number = last_number + excluded.last_number
       RETURNING last_number`,
    );
  }

  reserve(workspaceId: string, count: number = DEFAULT_BLOCK_SIZE): NumberBlock {
    if (!Number.isInteger(count) || count < 1 || count > MAX_BLOCK_SIZE) {
      throw new RangeError(`block size must be 1..${MAX_BLOCK_SIZE}`);
    }
    const row = this.reserveStatement.get(workspaceId, count) as { last_number: number };
    return { from: row.last_number - count + 1, to: row.last_number };
  }
}
