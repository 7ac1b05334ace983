import type { TicketRecord, TicketSource, TicketTextSearch } from '@desk/model';
import type { TicketSearchHit } from '@desk/protocol';
import { LocalTicketIndex, searchWords, type SearchSnapshot } from './LocalTicketIndex.ts';

/** The ticket docs this device holds, and their text. */
export interface TicketTexts {
  /** Ids of the tickets whose doc is on this device; `all` where every doc is local. */
  held(): Promise<ReadonlySet<string> | 'all'>;
  /** A held ticket doc's description and thread as plain text. */
  read(ticketId: string): Promise<string>;
}

/** Where the index is kept between page loads (SearchStore in the browser). */
export interface SnapshotStore {
  load(): Promise<SearchSnapshot | null>;
  save(snapshot: SearchSnapshot): Promise<void>;
}

/** The server's search (`GET /api/workspaces/:slug/search`). */
export type ServerSearch = (text: string, signal: AbortSignal) => Promise<TicketSearchHit[]>;

/** A server hit, with the ticket's record when one is loaded on this device. */
export interface ServerHit extends TicketSearchHit {
  /** Null: the ticket is in no index or shard loaded here (an archived month not loaded). */
  readonly record: TicketRecord | null;
}

/**
 * What the server found for a text, kept apart from the device's answer: the list's rows
 * are the device's answer alone, so they settle within a frame of the keystroke; the
 * server's hits come a round trip later and are shown in their own place.
 */
export type ServerAnswer =
  | { readonly state: 'asking' }
  | { readonly state: 'answered'; readonly hits: readonly ServerHit[] }
  /** Offline or refused: only the device's answer. */
  | { readonly state: 'unavailable' };

export interface LocalTicketSearchOptions {
  texts: TicketTexts;
  store: SnapshotStore | null;
  server?: ServerSearch;
  /**
   * Awaited between pieces of background work (records in chunks, one ticket doc read),
   * so typing stays fluid while the index is built (the browser passes an idle callback).
   * @default a macrotask
   */
  pause?: () => Promise<void>;
  /**
   * Awaited before the list is told the device's answer grew (ticket docs read, records
   * changed): the browser waits until the user paused typing, so rows do not move under a
   * query being typed — each keystroke searches the grown index anyway. Notices that come
   * meanwhile are told once. @default told at once
   */
  beforeTelling?: () => Promise<void>;
  /** Quiet time before a changed record's ticket doc is read again (its doc may still be syncing). @default 1500 ms */
  textDelayMs?: number;
  /**
   * Time from a change to the index being written to the store (at most one write per
   * this time while changes go on). Each write builds the whole index's arrays on the main
   * thread (thousands of docs' postings once filled): every 3 s, while the docs were being
   * read under someone's typing, was too often. A tab closed sooner loses nothing
   * (`flush` on pagehide); a crash loses that much indexing, read again. @default 20000 ms
   */
  saveDelayMs?: number;
  /** Typing pause before the server is asked. @default 250 ms */
  serverDelayMs?: number;
  /** How often the held docs are looked at again (replication brings more). @default 30000 ms */
  sweepEveryMs?: number;
  /**
   * Time spent reading ticket docs before the next `pause`. One doc per pause made the
   * browser's idle callbacks (~20 a second when chained) the limit: 5,000 held docs took
   * four minutes to become searchable, and meanwhile every keystroke waited for the server.
   * @default 12 ms
   */
  readSliceMs?: number;
  /**
   * While docs are being read, how often the list is told the index grew (it searches
   * again and its rows may change): rows shifting under every few slices of reading would
   * make each keystroke's answer move for seconds. @default 2000 ms
   */
  progressEveryMs?: number;
}

/** Records indexed per piece of background work. */
const RECORDS_PER_CHUNK = 1000;
/** Ticket docs read at once (their replica reads overlap), within a read slice. */
const READS_AT_ONCE = 8;
/** Server answers kept (recent texts), so a re-query while typing back is instant. */
const SERVER_CACHE = 20;
/** Age after which a kept server answer is asked again (it is still used meanwhile). */
const SERVER_ANSWER_FRESH_MS = 10_000;

/**
 * The device's full-text search of one workspace (issue 15), the `TicketTextSearch` the
 * ticket list attaches. Answers from the in-memory index at once (each keystroke is a few
 * radix-tree lookups). The server is asked too (after a typing pause) for what the device
 * cannot answer — tickets whose doc it does not hold or has not read yet — and its answer
 * is kept apart (`serverAnswer`, `onServerAnswer`): merged into the list's answer it moved
 * the rows a round trip after each keystroke (keystroke p95 370 ms at 10,000 tickets).
 *
 * Kept current incrementally: a record change re-indexes that record and, after a quiet
 * moment, re-reads its ticket doc's text if the doc is held; new held docs are picked up
 * by a periodic sweep. Persisted as one snapshot (debounced) so a reload restores it
 * instead of re-reading every ticket doc; a snapshot of another format version is dropped
 * and rebuilt.
 */
export class LocalTicketSearch implements TicketTextSearch {
  readonly #o: Required<Omit<LocalTicketSearchOptions, 'server' | 'store' | 'beforeTelling'>> &
    Pick<LocalTicketSearchOptions, 'server' | 'store' | 'beforeTelling'>;
  #index = LocalTicketIndex.empty();
  readonly #sources = new Set<TicketSource>();
  readonly #cleanups: (() => void)[] = [];
  readonly #listeners = new Set<() => void>();
  readonly #serverListeners = new Set<() => void>();
  readonly #textQueue = new Set<string>();
  #textTimer: ReturnType<typeof setTimeout> | null = null;
  #saveTimer: ReturnType<typeof setTimeout> | null = null;
  #sweepTimer: ReturnType<typeof setInterval> | null = null;
  #held: ReadonlySet<string> | 'all' = new Set();
  #reading: Promise<void> | null = null;
  #destroyed = false;
  #dirty = false;
  /** A notice waits for `beforeTelling`; those that come meanwhile join it. */
  #telling = false;
  readonly #serverHits = new Map<string, { hits: TicketSearchHit[]; at: number }>();
  #serverTimer: ReturnType<typeof setTimeout> | null = null;
  #serverAbort: AbortController | null = null;
  /** The last text whose server query failed (offline, refused), until it is asked again. */
  #serverFailed: string | null = null;
  /** Resolves once the stored index is restored (or found missing) and every record is in. */
  readonly ready: Promise<void>;

  constructor(sources: readonly TicketSource[], options: LocalTicketSearchOptions) {
    this.#o = {
      pause: () => new Promise((resolve) => setTimeout(resolve, 0)),
      textDelayMs: 1500,
      saveDelayMs: 20_000,
      serverDelayMs: 250,
      sweepEveryMs: 30_000,
      readSliceMs: 12,
      progressEveryMs: 2000,
      ...options,
    };
    for (const source of sources) this.#sources.add(source);
    this.ready = this.#start();
  }

  /** A source that appeared later (an archive shard loaded). */
  addSource(source: TicketSource): () => void {
    this.#sources.add(source);
    const off = this.#watch(source);
    void this.#indexRecords(source.all()).then(() => this.#sweep());
    return () => {
      off();
      this.#sources.delete(source);
    };
  }

  /** The device's answer alone; asks the server too (its answer: `serverAnswer`). */
  async search(text: string): Promise<ReadonlySet<string>> {
    const ids = this.#index.search(text);
    if (this.#o.server && searchWords(text).length > 0) {
      const known = this.#serverHits.get(text);
      // The server's projection follows edits within seconds: an older answer is asked again.
      if (!known || Date.now() - known.at > SERVER_ANSWER_FRESH_MS) this.#askServer(text);
    }
    return ids;
  }

  /** Fires when the device's answer may have changed (ticket docs indexed), never for the server's. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Fires when the server answered (or failed) a text: `serverAnswer` changed. */
  onServerAnswer(listener: () => void): () => void {
    this.#serverListeners.add(listener);
    return () => this.#serverListeners.delete(listener);
  }

  /**
   * The server's hits for `text`, best first, each with its record when loaded here; null
   * when there is no server or nothing to ask (no words). A kept answer is given while a
   * fresher one is asked.
   */
  serverAnswer(text: string): ServerAnswer | null {
    if (!this.#o.server || searchWords(text).length === 0) return null;
    const known = this.#serverHits.get(text);
    if (known) {
      const hits = known.hits.map((hit) => ({ ...hit, record: this.#record(hit.ticketId) }));
      return { state: 'answered', hits };
    }
    return this.#serverFailed === text ? { state: 'unavailable' } : { state: 'asking' };
  }

  /** Whether this device holds the ticket's doc (its text is searchable offline). */
  isOnDevice(ticketId: string): boolean {
    return this.#held === 'all' || this.#held.has(ticketId);
  }

  /** Tickets in the index (records). */
  get size(): number {
    return this.#index.size;
  }

  /** Writes the index now if it changed (page hide, tests). */
  async flush(): Promise<void> {
    if (this.#saveTimer) clearTimeout(this.#saveTimer);
    this.#saveTimer = null;
    if (!this.#dirty || !this.#o.store) return;
    this.#dirty = false;
    await this.#o.store.save(this.#index.snapshot());
  }

  /** Reads the held ticket docs whose text is older than their record, in the background. */
  async sweep(): Promise<void> {
    await this.ready;
    await this.#sweep();
  }

  /** Stops all work; what changed since the last write stays for `flush`. */
  destroy(): void {
    this.#destroyed = true;
    for (const cleanup of this.#cleanups) cleanup();
    for (const timer of [this.#textTimer, this.#serverTimer, this.#saveTimer]) {
      if (timer) clearTimeout(timer);
    }
    if (this.#sweepTimer) clearInterval(this.#sweepTimer);
    this.#serverAbort?.abort();
    this.#listeners.clear();
    this.#serverListeners.clear();
  }

  async #start(): Promise<void> {
    // The list's first rows come first: restoring a large index waits for an idle moment.
    await this.#o.pause();
    const snapshot = await this.#o.store?.load().catch(() => null);
    const restored = snapshot ? LocalTicketIndex.restore(snapshot) : null;
    if (restored) this.#index = restored;
    else this.#dirty = snapshot !== null && snapshot !== undefined; // another format: rewrite
    if (this.#destroyed) return;
    for (const source of this.#sources) this.#cleanups.push(this.#watch(source));
    for (const source of this.#sources) await this.#indexRecords(source.all());
    this.#emit();
    void this.#sweep();
    this.#sweepTimer = setInterval(() => void this.#sweep(), this.#o.sweepEveryMs);
  }

  #watch(source: TicketSource): () => void {
    return source.observe((ids) => {
      let changed = false;
      for (const id of ids) {
        const record = source.get(id);
        if (!record || !this.#index.isStale(record)) continue;
        this.#index.putRecord(record);
        this.#textQueue.add(id);
        changed = true;
      }
      if (!changed) return;
      this.#changed();
      if (this.#textTimer) clearTimeout(this.#textTimer);
      this.#textTimer = setTimeout(() => {
        this.#textTimer = null;
        void this.#readTexts();
      }, this.#o.textDelayMs);
    });
  }

  async #indexRecords(records: readonly TicketRecord[]): Promise<void> {
    let count = 0;
    for (const record of records) {
      if (this.#destroyed) return;
      if (!this.#index.isStale(record)) continue;
      this.#index.putRecord(record);
      this.#dirty = true;
      if (++count % RECORDS_PER_CHUNK === 0) await this.#o.pause();
    }
    if (count > 0) this.#scheduleSave();
  }

  async #sweep(): Promise<void> {
    if (this.#destroyed) return;
    try {
      this.#held = await this.#o.texts.held();
    } catch {
      return; // the replica cannot be read now; the next sweep tries again
    }
    for (const source of this.#sources) {
      for (const record of source.all()) {
        if (this.isOnDevice(record.id) && this.#index.needsText(record)) {
          this.#textQueue.add(record.id);
        }
      }
    }
    await this.#readTexts();
  }

  /** Reads queued ticket docs one at a time, with a pause between, while any are queued. */
  #readTexts(): Promise<void> {
    // One loop at a time; ids queued meanwhile are read by the running loop.
    this.#reading ??= this.#readQueued().finally(() => {
      this.#reading = null;
    });
    return this.#reading;
  }

  /**
   * Reads the queued ticket docs a few at a time, for up to `readSliceMs` between pauses,
   * and says the index changed at most every `progressEveryMs` meanwhile, and at the end
   * (the list asks again).
   */
  async #readQueued(): Promise<void> {
    let read = 0;
    let sliceStart = performance.now();
    let toldAt = sliceStart;
    while (this.#textQueue.size > 0 && !this.#destroyed) {
      const batch: TicketRecord[] = [];
      for (const id of this.#textQueue) {
        if (batch.length === READS_AT_ONCE) break;
        this.#textQueue.delete(id);
        const record = this.#record(id);
        if (record && this.isOnDevice(id) && this.#index.needsText(record)) batch.push(record);
      }
      const texts = await Promise.all(
        // Unreadable now (closed, refused): a later sweep tries again.
        batch.map((record) => this.#o.texts.read(record.id).catch(() => null)),
      );
      if (this.#destroyed) return;
      batch.forEach((record, i) => {
        const text = texts[i];
        if (text === null || text === undefined) return;
        this.#index.putText(record.id, text, record.updatedAt);
        this.#dirty = true;
        read += 1;
      });
      const now = performance.now();
      if (now - sliceStart >= this.#o.readSliceMs) {
        if (read > 0 && now - toldAt >= this.#o.progressEveryMs) {
          this.#changed();
          read = 0;
          toldAt = now;
        }
        await this.#o.pause();
        sliceStart = performance.now();
      }
    }
    if (read > 0) this.#changed();
  }

  #record(id: string): TicketRecord | null {
    for (const source of this.#sources) {
      const record = source.get(id);
      if (record) return record;
    }
    return null;
  }

  #askServer(text: string): void {
    if (this.#serverFailed === text) this.#serverFailed = null;
    if (this.#serverTimer) clearTimeout(this.#serverTimer);
    this.#serverTimer = setTimeout(() => {
      this.#serverTimer = null;
      this.#serverAbort?.abort();
      const abort = new AbortController();
      this.#serverAbort = abort;
      this.#o.server!(text, abort.signal).then(
        (hits) => {
          if (abort.signal.aborted || this.#destroyed) return;
          this.#serverHits.delete(text); // re-inserted: the newest answers stay
          this.#serverHits.set(text, { hits, at: Date.now() });
          if (this.#serverHits.size > SERVER_CACHE) {
            this.#serverHits.delete(this.#serverHits.keys().next().value!);
          }
          this.#emitServer();
        },
        () => {
          // Offline or refused: the device's own answer stands, and the page says so.
          if (abort.signal.aborted || this.#destroyed) return;
          this.#serverFailed = text;
          this.#emitServer();
        },
      );
    }, this.#o.serverDelayMs);
  }

  #changed(): void {
    this.#dirty = true;
    this.#scheduleSave();
    this.#emit();
  }

  #scheduleSave(): void {
    if (!this.#o.store || this.#saveTimer || this.#destroyed) return;
    this.#saveTimer = setTimeout(() => {
      this.#saveTimer = null;
      void this.flush().catch(() => undefined);
    }, this.#o.saveDelayMs);
  }

  #emit(): void {
    const wait = this.#o.beforeTelling;
    if (!wait) {
      for (const listener of this.#listeners) listener();
      return;
    }
    if (this.#telling) return;
    this.#telling = true;
    void wait().then(() => {
      this.#telling = false;
      if (this.#destroyed) return;
      for (const listener of this.#listeners) listener();
    });
  }

  #emitServer(): void {
    for (const listener of this.#serverListeners) listener();
  }
}
