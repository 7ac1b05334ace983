import type { Logger } from '../log/logger.ts';
import type { FanOut } from '../sync/FanOut.ts';
import { LaggingDocWatch, type StoredCounts } from './LaggingDocWatch.ts';
import type { RedisUpdateBus } from './RedisUpdateBus.ts';

export interface RedisFanOutOptions {
  readonly bus: RedisUpdateBus;
  /** The shared store the lagging-document watch compares with (its docs' stored counts). */
  readonly store: StoredCounts;
  readonly log: Logger;
  /**
   * How often the loaded docs are compared with the store's count of their updates, to find an
   * update stored by a process that died before publishing it; such a doc is re-synced
   * at the second check that finds it behind. @default 2000 (ms)
   */
  readonly lagCheckMs?: number;
  /**
   * How long a doc's load waits for its stream subscription. While Redis is unreachable the
   * subscription waits in the connection's queue: the doc is loaded without it, and what is
   * published before it is in place is found by the lagging-document watch. @default 1000 (ms)
   */
  readonly subscribeWaitMs?: number;
}

interface Followed {
  readonly workspaceId: string;
  /** Null until the subscription is in place (it waits while Redis is unreachable). */
  stopUpdates: (() => void) | null;
  stopAwareness: (() => void) | null;
  /** Unfollowed: a subscription that lands later is ended at once. */
  gone: boolean;
}

/**
 * The sync engine's fan-out over Redis (issue 19): each loaded doc's stream on the
 * `RedisUpdateBus` is followed from before the doc is read from the store until it is
 * unloaded; updates stored here are published after they are broadcast locally (persist
 * before publish: the store, not Redis, is where a doc lives). A gap the stream shows, and a
 * doc the lagging-document watch finds behind the store, are re-synced from the store by
 * the engine. Awareness goes over the bus's pub/sub (ephemeral, resent by clients).
 */
export class RedisFanOut implements FanOut {
  readonly #bus: RedisUpdateBus;
  readonly #log: Logger;
  readonly #watch: LaggingDocWatch;
  readonly #followed = new Map<string, Followed>();
  readonly #timer: NodeJS.Timeout;
  readonly #subscribeWaitMs: number;
  #remoteUpdate: (docId: string, update: Uint8Array) => void = () => {};
  #resync: (docId: string) => Promise<void> = () => Promise.resolve();
  #remoteAwareness: (docId: string, message: Uint8Array) => void = () => {};
  #checking = false;

  constructor(options: RedisFanOutOptions) {
    this.#bus = options.bus;
    this.#log = options.log;
    this.#watch = new LaggingDocWatch(options.store);
    this.#subscribeWaitMs = options.subscribeWaitMs ?? 1000;
    this.#timer = setInterval(() => void this.checkLagging(), options.lagCheckMs ?? 2000);
    this.#timer.unref();
  }

  publishUpdate(docId: string, update: Uint8Array, seq: number, stored: readonly number[]): void {
    const followed = this.#followed.get(docId);
    if (followed) this.#watch.applied(docId, followed.workspaceId, stored);
    // Not awaited: the update is durable and acknowledged already; while Redis is away the
    // publish waits in the connection's queue and goes out in order when it is back.
    this.#bus.publish(docId, update, seq, stored).catch((err: unknown) => {
      this.#log.error({ err, docId }, 'publishing a stored update to Redis failed');
    });
  }

  onRemoteUpdate(handler: (docId: string, update: Uint8Array) => void): void {
    this.#remoteUpdate = handler;
  }

  onResync(handler: (docId: string) => Promise<void>): void {
    this.#resync = handler;
  }

  onRemoteAwareness(handler: (docId: string, message: Uint8Array) => void): void {
    this.#remoteAwareness = handler;
  }

  async follow(docId: string, workspaceId: string): Promise<void> {
    if (this.#followed.has(docId)) return;
    const followed: Followed = { workspaceId, stopUpdates: null, stopAwareness: null, gone: false };
    this.#followed.set(docId, followed);
    /** The doc was loaded before its subscription was in place. */
    let late = false;
    const subscribed = this.#bus
      .subscribe(docId, {
        update: (update, from) => {
          this.#watch.applied(docId, workspaceId, from.stored);
          this.#remoteUpdate(docId, update);
        },
        resync: () => this.#resync(docId),
      })
      .then((stop) => {
        if (followed.gone) {
          stop();
          return;
        }
        followed.stopUpdates = stop;
        // What was published between the load and now is on no cursor of ours: the store
        // has it (persist before publish).
        if (late) void this.#resync(docId);
      });
    subscribed.catch((err: unknown) => {
      // Only a closing bus rejects; the watch still compares the doc with the store.
      this.#log.warn({ err, docId }, 'following a document on Redis failed');
    });
    // Awareness is best effort: a doc is usable before (and without) it.
    this.#bus
      .subscribeAwareness(docId, (message) => this.#remoteAwareness(docId, message))
      .then((stop) => {
        if (followed.gone) stop();
        else followed.stopAwareness = stop;
      })
      .catch((err: unknown) => this.#log.warn({ err, docId }, 'awareness subscription failed'));
    // Redis unreachable: the doc loads without waiting for it (see `subscribeWaitMs`).
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      subscribed.catch(() => undefined),
      new Promise<void>(
        (resolve) =>
          (timer = setTimeout(() => {
            late = true;
            resolve();
          }, this.#subscribeWaitMs)),
      ),
    ]);
    clearTimeout(timer);
  }

  loaded(docId: string, workspaceId: string, updatesStored: number): void {
    if (this.#followed.has(docId)) this.#watch.loaded(docId, workspaceId, updatesStored);
  }

  unfollow(docId: string): void {
    const followed = this.#followed.get(docId);
    if (!followed) return;
    this.#followed.delete(docId);
    followed.gone = true;
    followed.stopUpdates?.();
    followed.stopAwareness?.();
    this.#watch.forget(docId);
  }

  publishAwareness(docId: string, message: Uint8Array): void {
    this.#bus.publishAwareness(docId, message).catch((err: unknown) => {
      this.#log.warn({ err, docId }, 'publishing awareness to Redis failed');
    });
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    for (const docId of [...this.#followed.keys()]) this.unfollow(docId);
    await this.#bus.close();
  }

  /**
   * One pass of the lagging-document watch (the timer's; a test may run one itself): a doc
   * found behind at two passes in a row is re-synced before this resolves. One pass at a
   * time: a slow store must not pile them up (a pass asked for meanwhile does nothing).
   */
  async checkLagging(): Promise<void> {
    if (this.#checking) return;
    this.#checking = true;
    try {
      for (const docId of await this.#watch.check()) {
        if (this.#followed.has(docId)) await this.#resync(docId);
      }
    } catch (err) {
      this.#log.warn({ err }, 'checking loaded docs against the store failed');
    } finally {
      this.#checking = false;
    }
  }
}
