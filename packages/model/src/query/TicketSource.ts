import type { TicketRecord } from '../workspace/TicketRecord.ts';

/**
 * Somewhere ticket rows live: the hot index (`TicketIndex`) or one archive shard
 * (`ArchiveShard`). A `TicketList` merges any number of them.
 */
export interface TicketSource {
  all(): TicketRecord[];
  get(id: string): TicketRecord | null;
  /** Calls `listener` with the ids added, removed or changed — never the whole set. */
  observe(listener: (changedIds: Set<string>) => void): () => void;
}
