import type { Logger } from '../log/logger.ts';

/**
 * Phases of a graceful shutdown, in the order they run. Each module registers what it must
 * do in its phase; e.g. the sync engine closes sockets in `connections` and flushes its
 * write queue in `flush`, and the database is closed last.
 */
export const ShutdownPhase = {
  /** Stop accepting: close the listening socket. */
  listener: 0,
  /** Tell clients to reconnect elsewhere/later (close code "server restarting"). */
  connections: 1,
  /** Flush pending writes and background jobs. */
  flush: 2,
  /** Close stores: database, Redis, mail transport. */
  stores: 3,
} as const;
export type ShutdownPhase = (typeof ShutdownPhase)[keyof typeof ShutdownPhase];

interface Hook {
  phase: ShutdownPhase;
  name: string;
  run: () => void | Promise<void>;
}

export class ShutdownHooks {
  readonly #hooks: Hook[] = [];
  #running: Promise<void> | null = null;

  constructor(private readonly log: Logger) {}

  add(phase: ShutdownPhase, name: string, run: () => void | Promise<void>): void {
    this.#hooks.push({ phase, name, run });
  }

  /** Runs every hook once, phase by phase; later calls return the same promise. */
  run(): Promise<void> {
    this.#running ??= this.#runAll();
    return this.#running;
  }

  get started(): boolean {
    return this.#running !== null;
  }

  async #runAll(): Promise<void> {
    const phases = [...new Set(this.#hooks.map((h) => h.phase))].sort((a, b) => a - b);
    for (const phase of phases) {
      const inPhase = this.#hooks.filter((h) => h.phase === phase);
      // Hooks of one phase are independent; one failing must not skip the others.
      await Promise.all(
        inPhase.map(async (hook) => {
          try {
            await hook.run();
          } catch (err) {
            this.log.error({ err, hook: hook.name }, 'shutdown step failed');
          }
        }),
      );
    }
  }
}
