import { ShutdownPhase } from '../lifecycle/ShutdownHooks.ts';
import type { ClusterJobs } from '../lifecycle/JobLease.ts';
import type { ServerContext } from '../ServerContext.ts';
import type { SupportGrants, SupportGrantsStores } from './SupportGrants.ts';

/** What the expiry watch uses (built once in createServices). */
export interface SupportGrantExpiryDeps extends Pick<
  ServerContext,
  'now' | 'shutdown' | 'jobLease' | 'log'
> {
  /** `nextExpiry`, read (asynchronously: PostgreSQL may answer) each time the timer is set. */
  readonly control: Pick<SupportGrantsStores, 'supportGrants'>;
  readonly support: SupportGrants;
  /**
   * A cluster process: grants are made on every process, and this one's timer hears only of
   * its own, so the next expiry is read again every `pollMs` — a grant made on a process
   * that stopped before it ran out is expired by another.
   */
  readonly cluster?: ClusterJobs | null;
}

/** setTimeout's longest delay; a later expiry is reached by re-arming. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The timer's check's name on the process's `JobLease`: one process of a cluster expires. */
export const SUPPORT_EXPIRY_JOB = 'support-grant-expiry';

/**
 * After a check found the lease held elsewhere, the next one is at least this much later:
 * the holder is expiring the grant now, and until it has, `nextExpiry` still names it.
 */
const HELD_ELSEWHERE_RETRY_MS = 1000;

/** When the next expiry could not be read (the database away), the timer asks again then. */
const READ_FAILED_RETRY_MS = 5000;

/**
 * A grant's end on live sockets (terms §3): requests and new subscriptions are refused from
 * `expiresAt` on (access is checked against the injected clock), but a socket authorized
 * before it would read on. One timer for the next expiry; `check()` runs at start (grants
 * that ran out while the server was down get their audit entry), after a grant is made, and
 * in tests after they move their clock. The timer's check runs under the job lease: in a
 * cluster one process records the expiry (a check outside the lease — at start, after a
 * grant — records none twice: `markExpiryNoticed` notices a grant once) and its access
 * events reach the other processes' sockets through the access bus; each process's timer
 * also fires every `cluster.pollMs` to read the next expiry again.
 */
export class SupportGrantExpiry {
  private timer: NodeJS.Timeout | null = null;
  /** Arms in order: only the latest started sets the timer (an earlier read may be stale). */
  #arms = 0;
  #stopped = false;

  constructor(private readonly ctx: SupportGrantExpiryDeps) {
    ctx.shutdown.add(ShutdownPhase.flush, 'support grant expiry', () => this.stop());
  }

  async check(): Promise<void> {
    await this.ctx.support.expireDue();
    await this.arm();
  }

  /** Clears the timer for good (shutdown): an arm still reading sets none. */
  stop(): void {
    this.#stopped = true;
    this.#clear();
  }

  /** The timer's check, under the job lease; re-armed whoever held it. */
  private async fire(): Promise<void> {
    let outcome: 'ran' | 'held elsewhere' | 'failed';
    try {
      outcome = await this.ctx.jobLease.runOnce(SUPPORT_EXPIRY_JOB, () => this.check());
    } catch (err) {
      this.ctx.log.error({ err }, 'support grant expiry failed');
      outcome = 'failed';
    }
    if (outcome !== 'ran') await this.arm(HELD_ELSEWHERE_RETRY_MS);
  }

  /** Sets the timer for the next expiry; a failed read sets it to ask again later. */
  private async arm(atLeastMs = 0): Promise<void> {
    const arm = ++this.#arms;
    let next: number | null;
    try {
      next = await this.ctx.control.supportGrants.nextExpiry();
    } catch (err) {
      this.ctx.log.error({ err }, 'support grant expiry: next expiry not read');
      next = this.ctx.now() + READ_FAILED_RETRY_MS;
    }
    if (arm !== this.#arms || this.#stopped) return;
    this.#clear();
    const pollMs = this.ctx.cluster?.pollMs;
    if (next === null && pollMs === undefined) return;
    // A little after the expiry: the store compares with `<=`, never early.
    const untilNext = next === null ? MAX_TIMER_MS : next - this.ctx.now() + 1;
    const delay = Math.min(Math.max(untilNext, atLeastMs), pollMs ?? MAX_TIMER_MS, MAX_TIMER_MS);
    this.timer = setTimeout(() => void this.fire(), delay);
    this.timer.unref();
  }

  #clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
