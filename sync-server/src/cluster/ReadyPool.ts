/**
 * The server processes behind `pnpm start:cluster`'s proxy, and which of them are ready.
 * Each is asked `GET /readyz` every `probeEveryMs`; only those that answered 200 to their
 * last probe are handed out, in turn. A process the proxy could not reach is taken out at
 * once (`markDown`), without waiting for its next probe: it is restarting, or it died.
 */

export interface PoolTarget {
  /** For the log: `node-1`, … */
  readonly name: string;
  /** Its base URL, `http://127.0.0.1:3001`. */
  readonly url: string;
}

export interface ReadyPoolOptions {
  /** How often each process is asked. @default 1000 ms — a restarted process gets users within a second. */
  readonly probeEveryMs?: number;
  /**
   * How long a probe may take before the process counts as not ready. @default 500 ms — a
   * process that cannot answer `/readyz` that fast is not one to send users to.
   */
  readonly probeTimeoutMs?: number;
  /** Told when a process becomes ready or stops being ready. */
  readonly onChange?: (target: PoolTarget, ready: boolean, why: string) => void;
}

export class ReadyPool {
  readonly #targets: readonly PoolTarget[];
  readonly #ready = new Set<PoolTarget>();
  /** Probes in flight: a slow one is not asked again on top of itself. */
  readonly #probing = new Set<PoolTarget>();
  readonly #probeEveryMs: number;
  readonly #probeTimeoutMs: number;
  readonly #onChange: ReadyPoolOptions['onChange'];
  #next = 0;
  #timer: NodeJS.Timeout | null = null;

  constructor(targets: readonly PoolTarget[], options: ReadyPoolOptions = {}) {
    this.#targets = targets;
    this.#probeEveryMs = options.probeEveryMs ?? 1000;
    this.#probeTimeoutMs = options.probeTimeoutMs ?? 500;
    this.#onChange = options.onChange;
  }

  get targets(): readonly PoolTarget[] {
    return this.#targets;
  }

  /** Probes every process now and then every `probeEveryMs` until `stop`. */
  start(): void {
    if (this.#timer) return;
    void this.probeAll();
    this.#timer = setInterval(() => void this.probeAll(), this.#probeEveryMs);
    // The proxy's server keeps the process alive, not the probes.
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Asks every process's `/readyz` once; resolves when each has answered or timed out. */
  async probeAll(): Promise<void> {
    await Promise.all(this.#targets.map((target) => this.#probe(target)));
  }

  isReady(target: PoolTarget): boolean {
    return this.#ready.has(target);
  }

  /**
   * The next ready process in turn, other than those in `except` (one that already failed
   * this request); null when there is none.
   */
  pick(except: ReadonlySet<PoolTarget> = new Set()): PoolTarget | null {
    for (let i = 0; i < this.#targets.length; i++) {
      const target = this.#targets[this.#next++ % this.#targets.length]!;
      if (this.#ready.has(target) && !except.has(target)) return target;
    }
    return null;
  }

  /** The proxy could not reach it: no more users until a probe finds it ready again. */
  markDown(target: PoolTarget, why: string): void {
    this.#set(target, false, why);
  }

  async #probe(target: PoolTarget): Promise<void> {
    if (this.#probing.has(target)) return;
    this.#probing.add(target);
    try {
      const res = await fetch(new URL('/readyz', target.url), {
        signal: AbortSignal.timeout(this.#probeTimeoutMs),
      });
      // The body says why (`migrations_pending`, `database_unavailable`, …); read it to free
      // the connection either way.
      const body = await res.text().catch(() => '');
      this.#set(target, res.status === 200, res.status === 200 ? 'ready' : `${res.status} ${body}`);
    } catch (err) {
      this.#set(target, false, err instanceof Error ? err.message : String(err));
    } finally {
      this.#probing.delete(target);
    }
  }

  #set(target: PoolTarget, ready: boolean, why: string): void {
    if (this.#ready.has(target) === ready) return;
    if (ready) this.#ready.add(target);
    else this.#ready.delete(target);
    this.#onChange?.(target, ready, why);
  }
}
