import * as Y from 'yjs';
import { SavedViews } from '../query/SavedViews.ts';
import { TICKET_STATUSES } from '../schema/fields.ts';
import { ensureSchema, type DocMigration, type SchemaState } from '../schema/SchemaVersion.ts';
import { ArchiveMonths } from './ArchiveMonths.ts';
import { ChannelIndex } from './ChannelIndex.ts';
import { Mentions } from './Mentions.ts';
import { NoticeIndex } from './NoticeIndex.ts';
import { TicketIndex } from './TicketIndex.ts';

/** Version of the index doc's shape this code writes. */
export const INDEX_SCHEMA_VERSION = 2;

/**
 * 0 → 1: documents written before versioning, or by tools on the raw y-websocket endpoint,
 * may hold tickets with missing fields, tags as one comma-separated string, or status
 * spellings such as "on-hold". Normalise them; idempotent.
 */
export const indexMigrations: readonly DocMigration[] = [
  {
    to: 1,
    up(doc) {
      const tickets = doc.getMap<unknown>('tickets');
      tickets.forEach((entry) => {
        if (!(entry instanceof Y.Map)) return;
        const map = entry as Y.Map<unknown>;
        const tags = map.get('tags');
        if (typeof tags === 'string') {
          map.set(
            'tags',
            tags
              .split(',')
              .map((t) => t.trim().toLowerCase())
              .filter(Boolean),
          );
        } else if (!Array.isArray(tags)) {
          map.set('tags', []);
        }
        const status = map.get('status');
        if (typeof status === 'string') {
          const normal = status.toLowerCase().replace(/[\s-]+/g, '_');
          if (normal !== status && TICKET_STATUSES.includes(normal as never)) {
            map.set('status', normal);
          }
        } else {
          map.set('status', 'new');
        }
        if (!map.has('priority')) map.set('priority', 'normal');
        if (!map.has('type')) map.set('type', 'question');
        if (!map.has('deleted')) map.set('deleted', false);
        if (!map.has('number')) map.set('number', null);
        if (typeof map.get('createdAt') !== 'number') map.set('createdAt', 0);
        if (typeof map.get('updatedAt') !== 'number') {
          map.set('updatedAt', map.get('createdAt') ?? 0);
        }
      });
    },
  },
  {
    // 1 → 2: the search text leaves the index (issue 15: 77 % of its bytes). Search reads
    // the ticket docs instead (device index, server FTS). Deleting an absent key writes
    // nothing, so a second run, or a run on another device, changes nothing more.
    // Old closed tickets move to archive shards separately (`planArchive`/`moveToArchive`):
    // that step writes other docs, and runs only once the shards have synced.
    to: 2,
    up(doc) {
      doc.getMap<unknown>('tickets').forEach((entry) => {
        if (entry instanceof Y.Map && entry.has('searchText')) entry.delete('searchText');
      });
    },
  },
];

/**
 * The workspace index doc (`<ws>:index`): everything a list needs, nothing heavy.
 *   tickets  — ticketId → Y.Map of small fields      (TicketIndex)
 *   notices  — noticeId → Y.Map of small fields      (NoticeIndex)
 *   channels — channelId → Y.Map                     (ChannelIndex)
 *   views    — viewId → plain SavedView (shared)     (SavedViews)
 *   mentions — mentionId → plain Mention             (Mentions)
 *   archives — "YYYY-MM" → true, the archive shards  (ArchiveMonths)
 *   meta     — schemaVersion
 */
export class WorkspaceIndex {
  readonly tickets: TicketIndex;
  readonly notices: NoticeIndex;
  readonly channels: ChannelIndex;
  readonly sharedViews: SavedViews;
  readonly mentions: Mentions;
  readonly archives: ArchiveMonths;
  #doc: Y.Doc;

  constructor(doc: Y.Doc) {
    this.#doc = doc;
    this.tickets = new TicketIndex(doc);
    this.notices = new NoticeIndex(doc);
    this.channels = new ChannelIndex(doc);
    this.sharedViews = new SavedViews(doc.getMap('views'));
    this.mentions = new Mentions(doc.getMap('mentions'));
    this.archives = new ArchiveMonths(doc.getMap('archives'));
  }

  get doc(): Y.Doc {
    return this.#doc;
  }

  /**
   * Reads and writes `doc` from now on: another generation of the index (SPEC IDX-GEN-2),
   * switched to in place. Every part's observers move with it and are told what may have
   * changed (a ticket list: the ids of both generations), so what holds this index — lists,
   * sidebars, a ticket page — follows without being built again.
   */
  switchTo(doc: Y.Doc): void {
    if (doc === this.#doc) return;
    this.#doc = doc;
    this.tickets.switchTo(doc);
    this.notices.switchTo(doc);
    this.channels.switchTo(doc);
    this.sharedViews.switchTo(doc.getMap('views'));
    this.mentions.switchTo(doc.getMap('mentions'));
    this.archives.switchTo(doc.getMap('archives'));
  }

  /** See `ensureSchema`: call after load and after the first sync. */
  ensureSchema(): SchemaState {
    return ensureSchema(this.doc, INDEX_SCHEMA_VERSION, indexMigrations);
  }
}
