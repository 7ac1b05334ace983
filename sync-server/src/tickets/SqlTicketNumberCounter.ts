import type { SqlDatabase } from '../store/sql/SqlDatabase.ts';
import {
  DEFAULT_BLOCK_SIZE,
  MAX_BLOCK_SIZE,
  type AsyncTicketNumberCounter,
  type NumberBlock,
} from './TicketNumberCounter.ts';

/**
 * Ticket number blocks on the SQL seam (store/sql/): one upsert … RETURNING reads and moves
 * the workspace's counter, on SQLite and on PostgreSQL (where the conflicting row's lock
 * makes a second process's upsert wait and then add to the first's number).
 */
export class SqlTicketNumberCounter implements AsyncTicketNumberCounter {
  constructor(private readonly db: SqlDatabase) {}

  async reserve(workspaceId: string, count: number = DEFAULT_BLOCK_SIZE): Promise<NumberBlock> {
    if (!Number.isInteger(count) || count < 1 || count > MAX_BLOCK_SIZE) {
      throw new RangeError(`block size must be 1..${MAX_BLOCK_SIZE}`);
    }
    const row = await this.db.get<{ last_number: number }>(
      `INSERT INTO ticket_counters (workspace_id, last_number) VALUES (?, ?)
       ON CONFLICT (workspace_id)
       DO UPDATE SET last_number = ticket_counters.last_number + excluded.last_number
       RETURNING last_number`,
      [workspaceId, count],
    );
    return { from: row!.last_number - count + 1, to: row!.last_number };
  }
}
