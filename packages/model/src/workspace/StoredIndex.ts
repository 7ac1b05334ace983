import * as Y from 'yjs';
import { TICKET_STATUSES } from '../schema/fields.ts';
import { plainFields } from '../schema/read.ts';
import { schemaVersionOf } from '../schema/SchemaVersion.ts';
import { readNotice, type NoticeRecord } from './NoticeIndex.ts';
import { readTicket, type TicketRecord } from './TicketRecord.ts';

/** The root maps of an index doc that hold one row (a Y.Map of small fields) per id. */
export type IndexRowRoot = 'tickets' | 'notices' | 'channels';

/** Row fields that only an older layout kept: schema 1's `searchText` (left in schema 2). */
const RETIRED_FIELDS: ReadonlySet<string> = new Set(['searchText']);

/**
 * A workspace index doc as some version stored it, read only. A snapshot keeps the layout
 * it was taken in and is never migrated: schema 0 (no version; fields as tools wrote them,
 * tags as one string, statuses such as "on-hold"), schema 1 (each ticket row with its
 * `searchText`) or schema 2 (today's). Rows are read through the model's readers after the
 * normalisations of the index migrations, applied to a copy of their fields in memory —
 * nothing is written to the doc, which stays as it was stored.
 */
export class StoredIndex {
  constructor(readonly doc: Y.Doc) {}

  /** The schema version it was written with (0 when it has none). */
  get schemaVersion(): number {
    return schemaVersionOf(this.doc);
  }

  /** Ids of the rows of `root`, in the map's order. */
  ids(root: IndexRowRoot): string[] {
    const out: string[] = [];
    this.doc.getMap<unknown>(root).forEach((entry, id) => {
      if (entry instanceof Y.Map) out.push(id);
    });
    return out;
  }

  /**
   * A row's fields as stored (plain JSON), without the fields only an older layout kept;
   * null when the row is not there. For comparing two versions of a row field by field.
   */
  fields(root: IndexRowRoot, id: string): Record<string, unknown> | null {
    const entry = this.doc.getMap<unknown>(root).get(id);
    if (!(entry instanceof Y.Map)) return null;
    const fields = entry.toJSON() as Record<string, unknown>;
    for (const key of RETIRED_FIELDS) delete fields[key];
    return fields;
  }

  ticket(id: string): TicketRecord | null {
    const fields = this.fields('tickets', id);
    if (!fields) return null;
    const normal = this.schemaVersion < 1 ? legacyTicketFields(fields) : fields;
    return readTicket(id, plainFields(normal));
  }

  notice(id: string): NoticeRecord | null {
    const fields = this.fields('notices', id);
    return fields ? readNotice(id, plainFields(fields)) : null;
  }
}

/**
 * A ticket row of a schema-0 index as the index migration 0 → 1 leaves it (WorkspaceIndex's
 * `indexMigrations`), computed on a copy: tags from one comma-separated string, status
 * spellings such as "on-hold", and the fields it fills in when missing.
 */
export function legacyTicketFields(stored: Record<string, unknown>): Record<string, unknown> {
  const fields = { ...stored };
  if (typeof fields.tags === 'string') {
    fields.tags = fields.tags
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean);
  } else if (!Array.isArray(fields.tags)) {
    fields.tags = [];
  }
  if (typeof fields.status === 'string') {
    const normal = fields.status.toLowerCase().replace(/[\s-]+/g, '_');
    if (normal !== fields.status && TICKET_STATUSES.includes(normal as never)) {
      fields.status = normal;
    }
  } else {
    fields.status = 'new';
  }
  const missing = (key: string) => !Object.hasOwn(fields, key);
  if (missing('priority')) fields.priority = 'normal';
  if (missing('type')) fields.type = 'question';
  if (missing('deleted')) fields.deleted = false;
  if (missing('number')) fields.number = null;
  if (typeof fields.createdAt !== 'number') fields.createdAt = 0;
  if (typeof fields.updatedAt !== 'number') fields.updatedAt = fields.createdAt;
  return fields;
}
