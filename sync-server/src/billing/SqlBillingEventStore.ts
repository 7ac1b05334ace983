import type { SqlDatabase } from '../store/sql/SqlDatabase.ts';
import type { AsyncBillingEventStore } from './BillingEventStore.ts';

/**
 * The billing events already applied, on the SQL seam (store/sql/). `record` runs in the
 * transaction that applies the event: the same event delivered to two processes at once
 * meets the other's primary key there, and only one effect commits.
 */
export class SqlBillingEventStore implements AsyncBillingEventStore {
  constructor(private readonly db: SqlDatabase) {}

  async wasReceived(eventId: string): Promise<boolean> {
    return (
      (await this.db.get('SELECT 1 AS seen FROM billing_events WHERE event_id = ?', [eventId])) !==
      undefined
    );
  }

  async record(event: {
    id: string;
    type: string;
    workspaceId: string;
    at: number;
  }): Promise<void> {
    await this.db.run(
      'INSERT INTO billing_events (event_id, type, workspace_id, received_at) VALUES (?, ?, ?, ?)',
      [event.id, event.type, event.workspaceId, event.at],
    );
  }

  async workspaceExists(workspaceId: string): Promise<boolean> {
    return (
      (await this.db.get('SELECT 1 AS found FROM workspaces WHERE id = ?', [workspaceId])) !==
      undefined
    );
  }
}
