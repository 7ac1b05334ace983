import { docIds, TicketDoc } from '@desk/model';
import { parseDocId } from '@desk/protocol';
import type { DocSource } from '$lib/offline/DocSource.ts';
import { OfflineSync } from '$lib/offline/OfflineSync.ts';
import { MAX_LOCAL_BODY } from './LocalTicketIndex.ts';
import type { TicketTexts } from './LocalTicketSearch.ts';
import type { CleanTexts } from './ModeratedTextSearch.ts';

/**
 * The ticket docs of one workspace in this device's replica: which are held (the sync
 * client's store lists them; with the local-only source every doc is local) and their text,
 * read by opening the doc from the replica for a moment with @desk/model's reader.
 */
export class DeviceTicketTexts implements TicketTexts, CleanTexts {
  constructor(
    private readonly source: DocSource,
    private readonly workspaceId: string,
  ) {}

  async held(): Promise<ReadonlySet<string> | 'all'> {
    if (!(this.source instanceof OfflineSync)) return 'all';
    const ids = new Set<string>();
    for (const { docId } of await this.source.client.store.listDocs()) {
      const parsed = parseDocId(docId);
      if (parsed?.workspaceId === this.workspaceId && parsed.kind === 'ticket' && parsed.id) {
        ids.add(parsed.id);
      }
    }
    return ids;
  }

  /** `hidden`: comments left out (disabled by the operator, terms §4). */
  async read(ticketId: string, hidden?: ReadonlySet<string>): Promise<string> {
    const handle = this.source.open(docIds.ticket(this.workspaceId, ticketId));
    try {
      await handle.whenLoaded;
      return new TicketDoc(handle.doc).searchText(MAX_LOCAL_BODY, hidden);
    } finally {
      handle.release();
    }
  }
}
