import * as Y from 'yjs';
import { plainFields } from '../schema/read.ts';
import { ensureSchema, type DocMigration, type SchemaState } from '../schema/SchemaVersion.ts';
import type { TicketSource } from '../query/TicketSource.ts';
import { readTicket, storedTicketOf, type TicketRecord } from '../workspace/TicketRecord.ts';

export const ARCHIVE_SCHEMA_VERSION = 1;
export const archiveMigrations: readonly DocMigration[] = [{ to: 1, up: () => undefined }];

/**
 * One month of archived tickets (`<ws>:archive:<YYYY-MM>`, the month they were closed):
 *   tickets — ticketId → plain StoredTicket (one value per ticket, not a Y.Map: archived
 *             rows are read, rarely written, and a plain value costs a third less)
 *   meta    — schemaVersion
 * A device loads a shard only when a list asks for older tickets. Editing an archived
 * ticket first moves it back into the hot index (`restoreFromArchive`).
 */
export class ArchiveShard implements TicketSource {
  readonly map: Y.Map<unknown>;

  constructor(
    readonly doc: Y.Doc,
    readonly month: string,
  ) {
    this.map = doc.getMap<unknown>('tickets');
  }

  get size(): number {
    return this.map.size;
  }

  ensureSchema(): SchemaState {
    return ensureSchema(this.doc, ARCHIVE_SCHEMA_VERSION, archiveMigrations);
  }

  has(id: string): boolean {
    return this.map.has(id);
  }

  get(id: string): TicketRecord | null {
    const value = this.map.get(id);
    return value === undefined ? null : readTicket(id, plainFields(value));
  }

  all(): TicketRecord[] {
    const out: TicketRecord[] = [];
    this.map.forEach((value, id) => out.push(readTicket(id, plainFields(value))));
    return out;
  }

  byNumber(number: number): TicketRecord | null {
    for (const [id, value] of this.map) {
      if ((value as { number?: unknown } | null)?.number === number) {
        return readTicket(id, plainFields(value));
      }
    }
    return null;
  }

  /**
   * Stores the record's fields. Idempotent and deterministic: the value is the record's
   * normalised fields in a fixed key order, so two devices archiving the same ticket write
   * equal values, and a copy already there is not written again.
   */
  put(record: TicketRecord): void {
    const value = storedTicketOf(record);
    const current = this.map.get(record.id);
    if (current !== undefined && JSON.stringify(current) === JSON.stringify(value)) return;
    this.map.set(record.id, value);
  }

  remove(id: string): void {
    if (this.map.has(id)) this.map.delete(id);
  }

  observe(listener: (changedIds: Set<string>) => void): () => void {
    const handler = (event: Y.YMapEvent<unknown>) => {
      const ids = new Set(event.keysChanged);
      if (ids.size) listener(ids);
    };
    this.map.observe(handler);
    return () => this.map.unobserve(handler);
  }
}
