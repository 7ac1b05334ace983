import {
  blobItemKey,
  contentDisabledWords,
  docItemKey,
  entryItemKey,
  type FirstPageRow,
  type TicketSearchHit,
} from '@desk/protocol';
import type { DisabledSet } from './ModerationStore.ts';

/**
 * Server-side views of disabled content (terms §4, SPEC MOD-6): what the first page, search
 * hits, exports and snapshot views show in place of a disabled item — the words members see,
 * with the operator's reason. Pure functions over a workspace's disabled set; the stored
 * documents, the search projection and the files are never changed.
 */
export class Redaction {
  constructor(
    private readonly workspaceId: string,
    private readonly disabled: DisabledSet,
  ) {}

  /** Whether nothing of the workspace is disabled (views skip all work then). */
  get none(): boolean {
    return this.disabled.entries.length === 0;
  }

  /** The reason a whole document (`ticket:<id>`, `notice:<id>`: name without the prefix) is disabled. */
  docReason(name: string): string | null {
    return this.disabled.reasonOf(docItemKey(`${this.workspaceId}:${name}`));
  }

  /** The reason one entry (comment, note, message) of a document is disabled. */
  entryReason(name: string, entryId: string): string | null {
    return this.disabled.reasonOf(entryItemKey(`${this.workspaceId}:${name}`, entryId));
  }

  /** Whether any entry of the document is disabled. */
  hasDisabledEntries(name: string): boolean {
    const prefix = `${docItemKey(`${this.workspaceId}:${name}`)}#`;
    return this.disabled.entries.some((e) => e.itemKey.startsWith(prefix));
  }

  /** Whether the document holds disabled content, whole or in part. */
  touches(name: string): boolean {
    return this.docReason(name) !== null || this.hasDisabledEntries(name);
  }

  blobReason(sha256: string): string | null {
    return this.disabled.reasonOf(blobItemKey(sha256));
  }

  /** A first-page row: a disabled ticket shows the words instead of its title and tags. */
  firstPageRow(row: FirstPageRow): FirstPageRow {
    const reason = this.docReason(`ticket:${row.id}`);
    if (reason === null) return row;
    return { ...row, title: contentDisabledWords(reason), tags: [], disabledReason: reason };
  }

  /**
   * A search hit: a disabled ticket shows the words and no snippet; a ticket with a disabled
   * comment keeps its title but no snippet (it may come from that comment).
   */
  searchHit(hit: TicketSearchHit): TicketSearchHit {
    const name = `ticket:${hit.ticketId}`;
    const reason = this.docReason(name);
    if (reason !== null) {
      return { ...hit, title: contentDisabledWords(reason), snippet: '', disabledReason: reason };
    }
    return this.hasDisabledEntries(name) ? { ...hit, snippet: '' } : hit;
  }
}
