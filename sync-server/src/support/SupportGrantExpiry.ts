import { ShutdownPhase } from '../lifecycle/ShutdownHooks.ts';
import type { ServerContext } from '../ServerContext.ts';
import type { SupportGrantStore } from './SupportGrantStore.ts';
import type { SupportGrants } from './SupportGrants.ts';

/** What the expiry watch uses (built once in createServices). */
export interface SupportGrantExpiryDeps extends Pick<
  ServerContext,
  'now' | 'shutdown' | 'jobLease' | 'log'
> {
  readonly supportGrants: SupportGrantStore;
  readonly support: SupportGrants;
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

/**
 * A grant's end on live sockets (terms §3): requests and new subscriptions are refused from
 * `expiresAt` on (access is checked against the injected clock), but a socket authorized
 * before it would read on. One timer for the next expiry; `check()` runs at start (grants
 * that ran out while the server was down get their audit entry), after a grant is made, and
 * in tests after they move their clock. The timer's check runs under the job lease: in a
 * cluster one process records the expiry and its access events reach the other processes'
 * sockets through the access bus.
 */
export class SupportGrantExpiry {
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly ctx: SupportGrantExpiryDeps) {
    ctx.shutdown.add(ShutdownPhase.flush, 'support grant expiry', () => this.stop());
  }

  async check(): Promise<void> {
    await this.ctx.support.expireDue();
    this.arm();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
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
    if (outcome !== 'ran') this.arm(HELD_ELSEWHERE_RETRY_MS);
  }

  private arm(atLeastMs = 0): void {
    this.stop();
    const next = this.ctx.supportGrants.nextExpiry();
    if (next === null) return;
    // A little after the expiry: the store compares with `<=`, never early.
    const delay = Math.min(Math.max(next - this.ctx.now() + 1, atLeastMs), MAX_TIMER_MS);
    this.timer = setTimeout(() => void this.fire(), delay);
    this.timer.unref();
  }
}
