import * as Y from 'yjs';
import { HeavyPriority, type HeavyYjs } from '../offthread/HeavyYjs.ts';
import { EntryItemIndex } from './EntryItemIndex.ts';
import { rootKeyMatcher, type EntryItems, type RedactionPlan } from './redactDoc.ts';

interface Logged {
  readonly update: Uint8Array;
  /** Its log row; 0 for the stored parts of the load, Infinity when not in this store. */
  readonly logId: number;
}

/**
 * A large document held as bytes instead of a Y.Doc (SyncLimits.largeDocBytes): decoding a
 * 26 MB index doc into a Y.Doc blocks the event loop for more than half a second, and
 * encoding it for a new device as long again. Here the main thread only keeps a merged
 * update (`base`, built on the worker at load and replaced by each compaction), the updates
 * stored since (`tail`), and the state vector; merging, diffing and encoding run on the
 * HeavyYjs worker. Updates are applied by appending: nothing on the event loop grows with
 * the document.
 */
export class LargeDocState {
  #base: Uint8Array | null = null;
  #tail: Logged[];
  #tailBytes: number;
  /** Bumped by every rebase, so a load that finishes after one does not undo it. */
  #rebases = 0;
  /** Bumped by every appended update: what a cached redacted state is current with. */
  #version = 0;
  #redacted: {
    planKey: string;
    version: number;
    built: Promise<{ state: Uint8Array; entryItems: EntryItems }>;
  } | null = null;
  #appendedDuringBuild: Uint8Array[] | null = null;
  /** Where the disabled entries are (for refusing writes into them), per plan. */
  #entries: {
    planKey: string;
    index: EntryItemIndex;
    rootKey: (root: string, key: string | null) => boolean;
  } | null = null;
  /**
   * The document's state vector, kept current from each update's clock range (an update
   * that does not continue a client's clocks leaves it as it was: a state vector that says
   * too little only makes clients send more). Empty until `ready`.
   */
  readonly stateVector = new Map<number, number>();
  /** Settles once the stored parts are merged on the worker (rejects if that failed). */
  readonly ready: Promise<void>;

  constructor(
    parts: Uint8Array[],
    private readonly heavy: HeavyYjs,
  ) {
    this.#tail = parts.map((update) => ({ update, logId: 0 }));
    this.#tailBytes = parts.reduce((sum, part) => sum + part.byteLength, 0);
    this.ready = this.#load(parts.length);
  }

  /** Bytes held: the merged update and the tail. */
  get bytes(): number {
    return (this.#base?.byteLength ?? 0) + this.#tailBytes;
  }

  /** The clock the document holds for `client` (its next expected one). */
  clock(client: number): number {
    return this.stateVector.get(client) ?? 0;
  }

  /** Applies a stored update (or one another process stored: `logId` Infinity). */
  append(update: Uint8Array, logId: number): void {
    this.#version++;
    // Items stored into a disabled entry (a server update) are in it from now on too.
    this.#entries?.index.touches(update, this.#entries.rootKey, true);
    this.#appendedDuringBuild?.push(update);
    this.#tail.push({ update, logId });
    this.#tailBytes += update.byteLength;
    if (this.#base !== null) this.#advance(update);
  }

  /**
   * The answer to a sync step 1 with `stateVector`, built on the worker before any
   * background work waiting there (a client waits for it).
   */
  syncStep2(stateVector: Uint8Array): Promise<Uint8Array> {
    return this.heavy.run(
      'syncStep2',
      [this.#parts(), stateVector],
      this.bytes,
      HeavyPriority.serving,
    );
  }

  /**
   * The same answer from a redacted copy (terms §4: the doc holds disabled entries). The
   * redacted state is built on the worker once per plan and version of the document (the
   * cold cost: a full decode, ~2 s for a 2.4 MB index of 10,000 tickets) and shared by every
   * answer until the document changes; each answer is a diff of it, on the worker too.
   */
  async redactedSyncStep2(stateVector: Uint8Array, plan: RedactionPlan): Promise<Uint8Array> {
    const { state } = await this.#redactedState(plan);
    return this.heavy.run(
      'syncStep2',
      [[state], stateVector],
      state.byteLength,
      HeavyPriority.serving,
    );
  }

  /**
   * Whether `update` places an item in a disabled entry; null while where the entries are is
   * not known for this plan yet (it is being found now: later writes are checked).
   */
  touchesDisabled(update: Uint8Array, plan: RedactionPlan): boolean | null {
    const entries = this.#entries;
    if (entries?.planKey === plan.key) return entries.index.touches(update, entries.rootKey);
    this.#redactedState(plan).catch(() => undefined);
    return null;
  }

  #redactedState(plan: RedactionPlan): Promise<{ state: Uint8Array; entryItems: EntryItems }> {
    const version = this.#version;
    if (this.#redacted?.planKey === plan.key && this.#redacted.version === version) {
      return this.#redacted.built;
    }
    const built = this.ready.then(() =>
      this.heavy.run('redactedState', [this.#parts(), plan], this.bytes, HeavyPriority.serving),
    );
    this.#redacted = { planKey: plan.key, version, built };
    // The first build for a plan also finds where its entries are; updates appended while it
    // runs are replayed into that index (afterwards `append` keeps it current).
    const firstForPlan = this.#entries?.planKey !== plan.key;
    if (firstForPlan) this.#appendedDuringBuild = [];
    built.then(
      ({ entryItems }) => {
        if (!firstForPlan || this.#entries?.planKey === plan.key) return;
        const rootKey = rootKeyMatcher(plan);
        const index = new EntryItemIndex(entryItems);
        for (const update of this.#appendedDuringBuild ?? []) index.touches(update, rootKey, true);
        this.#appendedDuringBuild = null;
        this.#entries = { planKey: plan.key, index, rootKey };
      },
      () => {
        // A failed build is not kept: the next answer tries again.
        if (this.#redacted?.built === built) this.#redacted = null;
      },
    );
    return built;
  }

  /** The whole document as one update, built on the worker. */
  async encode(): Promise<Uint8Array> {
    await this.ready;
    return (await this.heavy.run('merge', [this.#parts()], this.bytes)) ?? new Uint8Array([0, 0]);
  }

  /**
   * Compaction stored `state` for every row through `throughLogId`: it becomes the base,
   * and only the updates logged after it stay in the tail.
   */
  rebase(state: Uint8Array, throughLogId: number): void {
    if (this.#base === null) return; // the load in flight holds the older rows; keep them
    this.#rebases++;
    this.#base = state;
    this.#tail = this.#tail.filter((logged) => logged.logId > throughLogId);
    this.#tailBytes = this.#tail.reduce((sum, logged) => sum + logged.update.byteLength, 0);
  }

  #parts(): Uint8Array[] {
    const tail = this.#tail.map((logged) => logged.update);
    return this.#base ? [this.#base, ...tail] : tail;
  }

  async #load(storedParts: number): Promise<void> {
    const parts = this.#tail.slice(0, storedParts).map((logged) => logged.update);
    // Subscribers wait for the load: before background work on the worker.
    const { update, stateVector } = await this.heavy.run(
      'loadLarge',
      [parts],
      this.#tailBytes,
      HeavyPriority.serving,
    );
    if (this.#rebases > 0) return;
    this.#base = update;
    this.#tail = this.#tail.slice(storedParts);
    this.#tailBytes = this.#tail.reduce((sum, logged) => sum + logged.update.byteLength, 0);
    for (const [client, clock] of Y.decodeStateVector(stateVector)) {
      this.stateVector.set(client, clock);
    }
    for (const logged of this.#tail) this.#advance(logged.update);
  }

  #advance(update: Uint8Array): void {
    const { from, to } = Y.parseUpdateMeta(update);
    for (const [client, end] of to) {
      const start = from.get(client) ?? 0;
      const held = this.stateVector.get(client) ?? 0;
      if (start <= held && end > held) this.stateVector.set(client, end);
    }
  }
}
