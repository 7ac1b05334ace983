import crypto from 'node:crypto';
import { Redis } from 'ioredis';

/**
 * Why a subscriber must load a document from the store instead of reading on in its stream.
 */
export const ResyncReason = {
  /** Entries after this process's cursor were trimmed (MAXLEN) before it read them. */
  trimmed: 'trimmed',
  /** Redis lost the stream (restarted without persistence, a failover, the key expired). */
  reset: 'reset',
  /** The feed threw on an entry (or on an earlier re-sync): what it missed is unknown. */
  feedFailed: 'feed_failed',
} as const;
export type ResyncReason = (typeof ResyncReason)[keyof typeof ResyncReason];

/**
 * What a process does with one document's stream. Calls for one bus never overlap. When a
 * call throws, the bus logs it and asks for a re-sync (`feed_failed`), and asks again before
 * each later read until one succeeds: an entry is never silently skipped.
 */
export interface DocFeed {
  /** An update another process persisted and published, in the order it was published. */
  readonly update: (update: Uint8Array, from: StoredFrom) => unknown;
  /**
   * The stream cannot tell what this process missed: bring the document up to date from the
   * store (a state-vector diff against the stored doc). Awaited before the stream goes on.
   */
  readonly resync: (reason: ResyncReason) => unknown;
}

/** Where a published update comes from. */
export interface StoredFrom {
  /** The publishing process. */
  readonly origin: string;
  /** The workspace change sequence of the (latest) update it holds. */
  readonly seq: number;
  /**
   * The numbers among its doc's stored updates of the updates it holds (`AppendResult.stored`;
   * several when the publisher merged them). Empty from a publisher that sent none.
   */
  readonly stored: readonly number[];
}

export interface RedisUpdateBusOptions {
  /** redis://host:port */
  readonly url: string;
  /** Prepended to every key and channel (`desk:`; tests use one of their own). */
  readonly prefix: string;
  /** This process, written on each entry so it skips its own. @default a random UUID */
  readonly processId?: string;
  /**
   * Entries a document's stream keeps, about (`XADD MAXLEN ~`): how far behind a
   * subscriber may fall (cut off from Redis, or slow) and still read on instead of
   * re-syncing from the store. @default 1000
   */
  readonly maxLen?: number;
  /** A stream nobody writes to is dropped after this long (ms). @default one day */
  readonly idleTtlMs?: number;
  /** How long one XREAD waits for entries before it is issued again (ms). @default 5000 */
  readonly blockMs?: number;
}

interface Subscription {
  readonly feed: DocFeed;
  /** Redis's `epoch` key when the cursor was taken: another value means Redis lost data. */
  epoch: string;
  /** The id of the last entry read (`0-0` before the first). */
  cursor: string;
  /** The number (`n`) of the last entry read: the next must be n + 1. */
  lastN: number;
  /** A re-sync that failed: tried again before the next read until it succeeds. */
  owed: ResyncReason | null;
}

/**
 * Appends an entry numbered one more than the stream's last, atomically: a subscriber that
 * reads n+2 after n knows it missed one (trimmed), and one that reads n or less after n
 * knows Redis lost the stream — the stream ids (times) cannot tell either.
 *
 * A publish cut off by a dropped connection is sent again on reconnect (it may have been
 * applied): each process numbers its publishes (ARGV[6]) and the stream remembers the last
 * number per process (KEYS[3]), so a resent one is dropped and the stream stays in order.
 */
const publishScript = `
  local last = tonumber(redis.call('HGET', KEYS[3], ARGV[2]) or '0')
  if tonumber(ARGV[6]) <= last then return 0 end
  redis.call('HSET', KEYS[3], ARGV[2], ARGV[6])
  local n = redis.call('INCR', KEYS[2])
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*',
    'n', n, 'o', ARGV[2], 's', ARGV[3], 'c', ARGV[7], 'u', ARGV[4])
  for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[5]) end
  return n`;

/** What a wait on the reader gives once the bus is closing. */
const CLOSED = Symbol('closed');

/**
 * Document updates between the processes of a cluster, over Redis streams (issue 19). One
 * stream per document (`<prefix>doc:<docId>`); a process publishes each update after it is
 * persisted, and reads the streams of the documents it has open from a cursor of its own.
 *
 * Unlike plain pub/sub (Hocuspocus' Redis extension) nothing is lost while a process is cut
 * off from Redis: it reads on from its cursor when it is back, in order. Unlike y-redis,
 * Redis is not where documents live: the store is. So when the stream cannot cover a gap —
 * trimmed past the cursor, or lost by Redis — the subscriber re-syncs from the store, which
 * holds every update that was published (persist before publish).
 *
 * Three connections: commands (publish, the cursor of a new subscription), one reader
 * blocked in XREAD on every subscribed stream, and pub/sub for awareness (ephemeral: a
 * lost awareness message is replaced by the next one within seconds).
 */
export class RedisUpdateBus {
  readonly processId: string;
  readonly #prefix: string;
  readonly #maxLen: number;
  readonly #idleTtlMs: number;
  readonly #blockMs: number;
  readonly #commands: Redis;
  readonly #reader: Redis;
  #pubsub: Redis | null = null;
  readonly #url: string;
  readonly #subscriptions = new Map<string, Subscription>();
  readonly #awareness = new Map<string, Set<(bytes: Uint8Array) => void>>();
  /** The reader's CLIENT ID, to unblock its XREAD when the set of streams changes. */
  #readerId: number | null = null;
  /** Publishes of this process so far: the number of the next one, less one. */
  #published = 0;
  /** Set when the reader's connection dropped: check the epoch before reading on. */
  #reconnected = false;
  #closed = false;
  #wake: (() => void) | null = null;
  /** Settles when close() is called: the read loop stops waiting on the reader then. */
  readonly #closing: Promise<typeof CLOSED>;
  #signalClosing: () => void = () => {};
  readonly #loop: Promise<void>;

  constructor(options: RedisUpdateBusOptions) {
    this.processId = options.processId ?? crypto.randomUUID();
    this.#prefix = options.prefix;
    this.#maxLen = options.maxLen ?? 1000;
    this.#idleTtlMs = options.idleTtlMs ?? 24 * 60 * 60 * 1000;
    this.#blockMs = options.blockMs ?? 5000;
    this.#url = options.url;
    // Commands wait through a Redis outage (offline queue) instead of failing after a few
    // retries, and keep their order: a publish made while Redis is down is sent once it is back.
    this.#commands = new Redis(options.url, { maxRetriesPerRequest: null });
    this.#commands.on('error', () => undefined);
    // The reader's blocked XREAD is abandoned on a reconnect, not resent: the loop issues
    // the next one after checking the epoch.
    this.#reader = new Redis(options.url, {
      maxRetriesPerRequest: null,
      autoResendUnfulfilledCommands: false,
    });
    this.#reader.on('error', () => undefined);
    this.#reader.on('close', () => {
      this.#readerId = null;
      this.#reconnected = true;
    });
    this.#closing = new Promise((resolve) => (this.#signalClosing = () => resolve(CLOSED)));
    this.#loop = this.#read();
  }

  /**
   * Publishes an update this process has persisted (`seq`: the workspace change sequence
   * the store gave it; `stored`: the numbers of the updates it holds among the doc's stored
   * updates, in the store's count). Resolves when Redis has it; while Redis is unreachable it waits,
   * so callers must not hold an acknowledgement on it (the update is durable already).
   */
  async publish(
    docId: string,
    update: Uint8Array,
    seq: number,
    stored: readonly number[] = [],
  ): Promise<void> {
    const key = this.#streamKey(docId);
    await this.#commands.eval(
      publishScript,
      3,
      key,
      `${key}:n`,
      `${key}:o`,
      this.#maxLen,
      this.processId,
      seq,
      Buffer.from(update.buffer, update.byteOffset, update.byteLength),
      this.#idleTtlMs,
      ++this.#published,
      encodeNumbers(stored),
    );
  }

  /**
   * Follows a document's stream from its current end: `feed` gets every entry published
   * after this resolves. Subscribe before loading the document from the store, so nothing
   * falls between the load and the stream (an update in both is applied twice: harmless).
   */
  async subscribe(docId: string, feed: DocFeed): Promise<() => void> {
    if (this.#subscriptions.has(docId)) throw new Error(`${docId} is subscribed already.`);
    const key = this.#streamKey(docId);
    const epochKey = `${this.#prefix}epoch`;
    const [, epoch, last, counter] = (await this.#commands
      .multi()
      .set(epochKey, crypto.randomUUID(), 'NX')
      .get(epochKey)
      .xrevrange(key, '+', '-', 'COUNT', 1)
      .get(`${key}:n`)
      .exec()) as [unknown, [null, string], [null, [string, string[]][]], [null, string | null]];
    const entry = last[1][0];
    const subscription: Subscription = {
      feed,
      epoch: epoch[1],
      owed: null,
      cursor: entry ? entry[0] : '0-0',
      lastN: entry ? Number(fieldOf(entry[1], 'n')) : Number(counter[1] ?? 0),
    };
    this.#subscriptions.set(docId, subscription);
    await this.#interruptRead();
    return () => {
      if (this.#subscriptions.get(docId) === subscription) this.#subscriptions.delete(docId);
    };
  }

  /** Sends an awareness update to the document's other processes (fire and forget). */
  async publishAwareness(docId: string, bytes: Uint8Array): Promise<void> {
    const origin = Buffer.from(this.processId);
    await this.#commands.publish(
      this.#awarenessChannel(docId),
      Buffer.concat([Buffer.from([origin.byteLength]), origin, bytes]),
    );
  }

  /** Awareness updates other processes publish for the document, from now on. */
  async subscribeAwareness(
    docId: string,
    listener: (bytes: Uint8Array) => void,
  ): Promise<() => void> {
    const pubsub = this.#pubsubConnection();
    const channel = this.#awarenessChannel(docId);
    let listeners = this.#awareness.get(channel);
    if (!listeners) {
      listeners = new Set();
      this.#awareness.set(channel, listeners);
      await pubsub.subscribe(channel);
    }
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }

  /** Stops reading and closes the connections. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#wake?.();
    this.#signalClosing();
    this.#reader.disconnect();
    await this.#loop;
    this.#pubsub?.disconnect();
    await this.#commands.quit().catch(() => undefined);
    this.#commands.disconnect();
  }

  #streamKey(docId: string): string {
    return `${this.#prefix}doc:${docId}`;
  }

  #awarenessChannel(docId: string): string {
    return `${this.#prefix}aw:${docId}`;
  }

  #pubsubConnection(): Redis {
    if (this.#pubsub) return this.#pubsub;
    const pubsub = new Redis(this.#url, { maxRetriesPerRequest: null });
    pubsub.on('error', () => undefined);
    pubsub.on('messageBuffer', (channel: Buffer, message: Buffer) => {
      const originLength = message[0] ?? 0;
      const origin = message.subarray(1, 1 + originLength).toString();
      if (origin === this.processId) return;
      const bytes = message.subarray(1 + originLength);
      for (const listener of this.#awareness.get(channel.toString()) ?? []) listener(bytes);
    });
    this.#pubsub = pubsub;
    return pubsub;
  }

  /** Makes the reader issue its XREAD again, now over the current set of streams. */
  async #interruptRead(): Promise<void> {
    this.#wake?.();
    if (this.#readerId !== null) {
      await this.#commands.call('CLIENT', 'UNBLOCK', this.#readerId);
    }
  }

  async #read(): Promise<void> {
    while (!this.#closed) {
      if (this.#subscriptions.size === 0) {
        await new Promise<void>((resolve) => (this.#wake = resolve));
        this.#wake = null;
        continue;
      }
      try {
        if (this.#readerId === null) {
          const id = await this.#unlessClosed(this.#reader.call('CLIENT', 'ID'));
          if (id === CLOSED) return;
          this.#readerId = Number(id);
        }
        if (this.#reconnected) {
          this.#reconnected = false;
          if ((await this.#unlessClosed(this.#checkEpoch())) === CLOSED) return;
        }
        for (const subscription of this.#subscriptions.values()) {
          if (subscription.owed) await this.#resync(subscription, subscription.owed);
        }
        const docIds = [...this.#subscriptions.keys()];
        const read = await this.#unlessClosed(
          this.#reader.callBuffer(
            'XREAD',
            'COUNT',
            500,
            'BLOCK',
            this.#blockMs,
            'STREAMS',
            ...docIds.map((docId) => this.#streamKey(docId)),
            ...docIds.map((docId) => this.#subscriptions.get(docId)!.cursor),
          ),
        );
        if (read === CLOSED) return;
        const reply = read as StreamReply | null;
        for (const [key, entries] of reply ?? []) {
          const docId = key.toString().slice(this.#prefix.length + 'doc:'.length);
          for (const [id, fields] of entries) await this.#deliver(docId, id.toString(), fields);
        }
      } catch (error) {
        if (this.#closed) return;
        // The connection dropped (the XREAD is abandoned): read again from the cursors once
        // it is back (commands queue until then), after checking Redis kept its data.
        this.#reconnected = true;
        if (!isConnectionError(error)) console.error('RedisUpdateBus read failed', error);
      }
    }
  }

  /**
   * `command`, or CLOSED once close() was called. A reader command queued while the reader
   * was reconnecting is never settled by ioredis after a manual disconnect, so close() must
   * not wait on it (the bus's close hung after a Redis restart); its late outcome is dropped.
   */
  #unlessClosed<T>(command: Promise<T>): Promise<T | typeof CLOSED> {
    command.catch(() => undefined);
    return Promise.race([command, this.#closing]);
  }

  async #deliver(docId: string, id: string, fields: Buffer[]): Promise<void> {
    const subscription = this.#subscriptions.get(docId);
    if (!subscription) return;
    const n = Number(fieldOf(fields, 'n'));
    const expected = subscription.lastN + 1;
    subscription.cursor = id;
    subscription.lastN = n;
    if (n > expected) await this.#resync(subscription, ResyncReason.trimmed);
    else if (n < expected) await this.#resync(subscription, ResyncReason.reset);
    const origin = fieldOf(fields, 'o').toString();
    if (origin === this.processId) return;
    const seq = Number(fieldOf(fields, 's'));
    // An entry of a release before the counts has none: the watch then re-syncs the doc.
    const stored = decodeNumbers(optionalField(fields, 'c')?.toString() ?? '');
    try {
      await subscription.feed.update(new Uint8Array(fieldOf(fields, 'u')), {
        origin,
        seq,
        stored,
      });
    } catch (error) {
      // The cursor has moved past this entry: the store is where it can be had again.
      console.error('RedisUpdateBus feed failed on an update', error);
      await this.#resync(subscription, ResyncReason.feedFailed);
    }
  }

  /** The feed's re-sync; one that fails is owed, and tried again before the next read. */
  async #resync(subscription: Subscription, reason: ResyncReason): Promise<void> {
    subscription.owed = reason;
    try {
      await subscription.feed.resync(reason);
      subscription.owed = null;
    } catch (error) {
      console.error('RedisUpdateBus re-sync failed', error);
      if (reason !== ResyncReason.feedFailed) subscription.owed = ResyncReason.feedFailed;
    }
  }

  /**
   * Redis keeps an `epoch` key for as long as it keeps its data. When the reader finds it
   * gone or changed after a reconnect, Redis lost its streams: whatever was published and
   * not yet read is gone, so each document subscribed before re-syncs from the store and
   * reads its new stream from the start.
   */
  async #checkEpoch(): Promise<void> {
    const key = `${this.#prefix}epoch`;
    await this.#reader.set(key, crypto.randomUUID(), 'NX');
    const epoch = (await this.#reader.get(key))!;
    for (const subscription of this.#subscriptions.values()) {
      if (subscription.epoch === epoch) continue;
      subscription.epoch = epoch;
      subscription.cursor = '0-0';
      subscription.lastN = 0;
      await this.#resync(subscription, ResyncReason.reset);
    }
  }
}

type StreamReply = [key: Buffer, entries: [id: Buffer, fields: Buffer[]][]][];

function fieldOf<T extends string | Buffer>(fields: T[], name: string): T {
  const value = optionalField(fields, name);
  if (value === undefined) throw new Error(`Stream entry without field ${name}`);
  return value;
}

function optionalField<T extends string | Buffer>(fields: T[], name: string): T | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i]!.toString() === name) return fields[i + 1]!;
  }
  return undefined;
}

/**
 * Numbers as ascending runs, `1-3,7`: a merged publish holds a run of a doc's updates from
 * one append, so this stays a few bytes whatever the merge's size.
 */
export function encodeNumbers(numbers: readonly number[]): string {
  const sorted = [...new Set(numbers)].sort((a, b) => a - b);
  const runs: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    runs.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return runs.join(',');
}

/** The numbers `encodeNumbers` wrote; anything unreadable counts as none (the watch covers it). */
export function decodeNumbers(text: string): number[] {
  const numbers: number[] = [];
  if (text === '') return numbers;
  for (const run of text.split(',')) {
    const [first, last = first] = run.split('-').map(Number);
    if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last)) return [];
    if (last! - first! > 100_000) return [];
    for (let n = first!; n <= last!; n++) numbers.push(n);
  }
  return numbers;
}

function isConnectionError(error: unknown): boolean {
  const message = (error as Error | undefined)?.message ?? '';
  return /Connection is closed|ECONNREFUSED|ECONNRESET|UNBLOCKED|abort|EPIPE/i.test(message);
}
