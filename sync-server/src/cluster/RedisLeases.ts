import crypto from 'node:crypto';
import { Redis } from 'ioredis';

/**
 * A lease on one named piece of work (`compact:<docId>`, `outbox`, `backup`) held by one
 * process of the cluster at a time, so that work runs once per cluster and resumes when
 * its holder dies (issue 19).
 *
 * A lease is a Redis key set NX with a time to live, renewed by its holder every third of
 * it: a holder that dies stops renewing and the key expires, so another process takes the
 * work over at most one TTL later. Each grant also takes the next number of the name's
 * fencing counter: a holder that was paused past its TTL (a long GC, a frozen VM) and
 * wakes up still believing it holds the lease has an older fence than the new holder, so
 * a write that carries its fence can be refused (Kleppmann, "How to do distributed
 * locking"). `lost` is aborted as soon as a renewal finds the lease gone.
 */
export interface Lease {
  readonly name: string;
  /** Increases with every grant of this name, across the cluster. */
  readonly fence: number;
  /** Aborted when the lease was found taken or expired: stop the work, write nothing more. */
  readonly lost: AbortSignal;
  /** Gives it up now (only if still ours); renewals stop. */
  readonly release: () => Promise<void>;
}

export interface RedisLeasesOptions {
  readonly url: string;
  /** Prepended to every key (`desk:`; tests use one of their own). */
  readonly prefix: string;
  /** Written in the key, to tell who holds it. @default a random UUID */
  readonly holderId?: string;
  /** How long a lease outlives its holder's last renewal (ms). @default 30 000 */
  readonly ttlMs?: number;
}

/**
 * A name's fence counter starts at the current time in microseconds (ARGV[3]), not at 0:
 * a Redis that lost its data (restarted without it, a failover to an empty replica) starts
 * the counter again above every fence granted before — a store that refuses older fences
 * (`lease_fences`) would otherwise refuse every new holder of the name. Holds while a name
 * is granted less than once per microsecond on average and the processes' clocks agree to
 * within the time since the lost counter began; 2^53 µs is in the year 2255.
 */
const acquireScript = `
  if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
  redis.call('SET', KEYS[2], ARGV[3], 'NX')
  redis.call('INCR', KEYS[2])
  -- As the counter's string: Lua's numbers are doubles, printed as 1.7e+15 past 14 digits.
  local fence = redis.call('GET', KEYS[2])
  redis.call('SET', KEYS[1], ARGV[1] .. '/' .. fence, 'PX', ARGV[2])
  return fence`;

const renewScript = `
  if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1`;

const releaseScript = `
  if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
  return redis.call('DEL', KEYS[1])`;

export class RedisLeases {
  readonly holderId: string;
  readonly ttlMs: number;
  readonly #prefix: string;
  readonly #redis: Redis;
  readonly #held = new Set<{ stop: () => void }>();
  #readyWait: Promise<void> | null = null;

  constructor(options: RedisLeasesOptions) {
    this.holderId = options.holderId ?? crypto.randomUUID();
    this.ttlMs = options.ttlMs ?? 30_000;
    this.#prefix = options.prefix;
    // A lease must not be believed across an outage: commands fail fast instead of
    // queueing, so a renewal that cannot reach Redis counts as lost.
    this.#redis = new Redis(options.url, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
    this.#redis.on('error', () => undefined);
  }

  /** The lease on `name` if nobody holds it, else null. Never waits for it. */
  async tryAcquire(name: string): Promise<Lease | null> {
    await this.#ready();
    const key = this.#key(name);
    const fence = Number(
      await this.#redis.eval(
        acquireScript,
        2,
        key,
        `${key}:fence`,
        this.holderId,
        this.ttlMs,
        Date.now() * 1000,
      ),
    );
    if (fence === 0) return null;
    const token = `${this.holderId}/${fence}`;
    const lost = new AbortController();
    const renew = async () => {
      try {
        const kept = await this.#redis.eval(renewScript, 1, key, token, this.ttlMs);
        if (Number(kept) !== 1) lost.abort(new Error(`Lease ${name} was lost.`));
      } catch (error) {
        // Redis unreachable: another process may take the lease once it expires.
        lost.abort(error);
      }
    };
    const timer = setInterval(() => void renew(), Math.max(10, Math.floor(this.ttlMs / 3)));
    timer.unref();
    const held = {
      stop: () => {
        clearInterval(timer);
        this.#held.delete(held);
      },
    };
    this.#held.add(held);
    lost.signal.addEventListener('abort', held.stop, { once: true });
    return {
      name,
      fence,
      lost: lost.signal,
      release: async () => {
        held.stop();
        await this.#redis.eval(releaseScript, 1, key, token).catch(() => undefined);
      },
    };
  }

  /**
   * Runs `job` under the lease on `name` if nobody else holds it: 'ran' once it has
   * finished (the lease is released, also when it throws), 'held elsewhere' without
   * running it. The job gets the lease, to pass its fence on and to stop when it is lost.
   */
  async runOnce(
    name: string,
    job: (lease: Lease) => Promise<void>,
  ): Promise<'ran' | 'held elsewhere'> {
    const lease = await this.tryAcquire(name);
    if (!lease) return 'held elsewhere';
    try {
      await job(lease);
      return 'ran';
    } finally {
      await lease.release();
    }
  }

  /** Stops renewing every lease (they expire after their TTL) and closes the connection. */
  async close(): Promise<void> {
    for (const held of [...this.#held]) held.stop();
    await this.#redis.quit().catch(() => undefined);
    this.#redis.disconnect();
  }

  #key(name: string): string {
    return `${this.#prefix}lease:${name}`;
  }

  /**
   * Without the offline queue a command sent before the connection is ready fails: wait
   * for it (one shared wait, however many callers).
   */
  #ready(): Promise<void> {
    if (this.#redis.status === 'ready') return Promise.resolve();
    this.#readyWait ??= new Promise<void>((resolve, reject) => {
      const settle = () => {
        this.#redis.off('ready', onReady);
        this.#redis.off('end', onEnd);
        this.#readyWait = null;
      };
      const onReady = () => {
        settle();
        resolve();
      };
      const onEnd = () => {
        settle();
        reject(new Error('Redis connection closed'));
      };
      this.#redis.on('ready', onReady);
      this.#redis.on('end', onEnd);
    });
    return this.#readyWait;
  }
}
