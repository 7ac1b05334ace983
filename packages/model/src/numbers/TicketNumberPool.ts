/** A block of ticket numbers reserved from the server: `from..to` inclusive, `next` unused. */
export interface NumberBlock {
  readonly from: number;
  readonly to: number;
  next: number;
}

/** Where the client keeps its unused blocks (localStorage in the browser). */
export interface NumberBlockStorage {
  load(): NumberBlock[];
  save(blocks: NumberBlock[]): void;
}

/** `POST /api/workspaces/:slug/ticket-numbers` → `{ from, to }`. */
export type ReserveBlock = () => Promise<{ from: number; to: number }>;

/**
 * @default 5 — reserve another block when fewer numbers than this are left, so a burst of
 * tickets created offline right after going offline still gets real numbers.
 */
export const LOW_WATER = 5;

/**
 * Ticket numbers unique per workspace, also offline. The server hands out disjoint blocks
 * from one SQL counter; the client takes numbers from its blocks without asking anyone.
 * When the blocks run dry offline, a ticket is created with no number (shown as pending,
 * "P-7F2Q") and `assignPending` gives it one from the next block after reconnecting.
 * Unused numbers of a lost block (cleared storage) leave gaps, never duplicates.
 */
export class TicketNumberPool {
  private blocks: NumberBlock[];
  private refilling: Promise<void> | null = null;

  constructor(
    private readonly storage: NumberBlockStorage,
    private readonly reserve: ReserveBlock,
    private readonly lowWater = LOW_WATER,
  ) {
    this.blocks = storage.load().filter((b) => b.next <= b.to);
  }

  get available(): number {
    return this.blocks.reduce((sum, b) => sum + (b.to - b.next + 1), 0);
  }

  /** The next reserved number, or null when none is left (the ticket is then pending). */
  take(): number | null {
    const block = this.blocks[0];
    if (!block) return null;
    const number = block.next;
    block.next += 1;
    if (block.next > block.to) this.blocks.shift();
    this.storage.save(this.blocks);
    return number;
  }

  /**
   * Tops the pool up when it runs low. Concurrent calls share one request. Rejects when the
   * server cannot be reached; callers treat that as "offline, try later".
   */
  refill(): Promise<void> {
    if (this.available >= this.lowWater) return Promise.resolve();
    if (!this.refilling) {
      this.refilling = this.reserve()
        .then(({ from, to }) => {
          if (!Number.isInteger(from) || !Number.isInteger(to) || to < from) {
            throw new Error(`the server returned an invalid block ${from}..${to}`);
          }
          this.blocks.push({ from, to, next: from });
          this.blocks.sort((a, b) => a.from - b.from);
          this.storage.save(this.blocks);
        })
        .finally(() => {
          this.refilling = null;
        });
    }
    return this.refilling;
  }

  /**
   * Gives numbers to pending tickets, oldest first, reserving blocks as needed. Returns how
   * many were assigned. `assign` writes the number (TicketIndex.assignNumber).
   */
  async assignPending(
    pendingIds: readonly string[],
    assign: (ticketId: string, number: number) => void,
  ): Promise<number> {
    let assigned = 0;
    for (const id of pendingIds) {
      let number = this.take();
      if (number === null) {
        await this.refill();
        number = this.take();
      }
      if (number === null) break;
      assign(id, number);
      assigned += 1;
    }
    return assigned;
  }
}

/** Keeps blocks in memory only (tests, or a browser without storage). */
export class MemoryBlockStorage implements NumberBlockStorage {
  private blocks: NumberBlock[] = [];
  load(): NumberBlock[] {
    return this.blocks.map((b) => ({ ...b }));
  }
  save(blocks: NumberBlock[]): void {
    this.blocks = blocks.map((b) => ({ ...b }));
  }
}
