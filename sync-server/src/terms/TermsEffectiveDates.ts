import type { ClusterJobs } from '../lifecycle/JobLease.ts';
import type { ServerContext } from '../ServerContext.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';
import type { TermsStore } from './TermsStore.ts';
import { ShutdownPhase } from '../lifecycle/ShutdownHooks.ts';

/**
 * The store the effective-date watch reads, on its async interface (issue 19: PostgreSQL
 * may answer); part of `Services.control`.
 */
export interface TermsEffectiveDatesStores {
  readonly terms: AsyncStore<TermsStore>;
}

/** What the effective-date watch uses (built once in createServices). */
export interface TermsEffectiveDatesDeps extends Pick<
  ServerContext,
  'access' | 'now' | 'shutdown' | 'log'
> {
  readonly control: TermsEffectiveDatesStores;
  /**
   * A cluster process: versions are published on any process, and this one's timer hears
   * only of its own, so the next date is read again every `pollMs` — every process then
   * emits at a date set elsewhere (the access bus relays it; a repeat changes nothing), also
   * when the publishing process has stopped.
   */
  readonly cluster?: ClusterJobs | null;
}

/** setTimeout's longest delay; a later date is reached by re-arming. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** When the terms could not be read (the database away), the timer looks again then. */
const READ_FAILED_RETRY_MS = 5000;

/**
 * Open sockets at a terms version's effective date (issue 16): new sockets are refused at the
 * upgrade (DeskSyncAuth), but one opened before the date would sync on. At the date this
 * emits `termsRequired` with the users who have not accepted the version by then, and the
 * sync engine closes their sockets with 4451. One timer for the next date; `check()` also
 * runs on publish and at start, and tests call it after moving their clock.
 */
export class TermsEffectiveDates {
  private timer: NodeJS.Timeout | null = null;
  /**
   * The version in force when this was built (sockets are told of none before it: a restart
   * drops sockets), read then — at once on SQLite — and awaited by every check.
   */
  #baseline: Promise<number>;
  /** The newest version already announced to sockets since. */
  #enforced = 0;
  /** Arms in order: only the latest started sets the timer (an earlier read may be stale). */
  #arms = 0;
  #stopped = false;

  constructor(private readonly ctx: TermsEffectiveDatesDeps) {
    this.#baseline = this.#readBaseline();
    ctx.shutdown.add(ShutdownPhase.flush, 'terms effective dates', () => this.stop());
  }

  /** Emits for a version that came into force since the last check, then arms the next date. */
  async check(): Promise<void> {
    let baseline: number;
    try {
      baseline = await this.#baseline;
    } catch (err) {
      // The database was away at start: the next check reads it again.
      this.#baseline = this.#readBaseline();
      throw err;
    }
    const { terms } = this.ctx.control;
    const inForce = await terms.versionInForce();
    // Compared and moved on in one turn: of two checks at once, one emits.
    if (inForce > Math.max(baseline, this.#enforced)) {
      this.#enforced = inForce;
      const userIds = await terms.usersBehind(inForce);
      if (userIds.length > 0) this.ctx.access.emit('termsRequired', { userIds });
    }
    await this.arm();
  }

  /** Clears the timer for good (shutdown): an arm still reading sets none. */
  stop(): void {
    this.#stopped = true;
    this.#clear();
  }

  #readBaseline(): Promise<number> {
    const read = this.ctx.control.terms.versionInForce();
    // Awaited by the first check; no unhandled rejection before it.
    read.catch(() => undefined);
    return read;
  }

  /** The timer's check; a failure is logged and looked at again later. */
  private async fire(): Promise<void> {
    try {
      await this.check();
    } catch (err) {
      this.ctx.log.error({ err }, 'terms effective dates: check failed');
      await this.arm(READ_FAILED_RETRY_MS);
    }
  }

  /** Sets the timer for the next effective date; a failed read sets it to look again later. */
  private async arm(retryMs?: number): Promise<void> {
    const arm = ++this.#arms;
    let next: number | null;
    if (retryMs !== undefined) {
      next = this.ctx.now() + retryMs;
    } else {
      try {
        next = await this.ctx.control.terms.nextEffectiveAt();
      } catch (err) {
        this.ctx.log.error({ err }, 'terms effective dates: next date not read');
        next = this.ctx.now() + READ_FAILED_RETRY_MS;
      }
    }
    if (arm !== this.#arms || this.#stopped) return;
    this.#clear();
    const pollMs = this.ctx.cluster?.pollMs;
    if (next === null && pollMs === undefined) return;
    const untilNext = next === null ? MAX_TIMER_MS : Math.max(next - this.ctx.now(), 0);
    const delay = Math.min(untilNext, pollMs ?? MAX_TIMER_MS, MAX_TIMER_MS);
    this.timer = setTimeout(() => void this.fire(), delay);
    this.timer.unref();
  }

  #clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
