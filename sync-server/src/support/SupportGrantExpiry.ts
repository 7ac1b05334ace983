import { ShutdownPhase } from '../lifecycle/ShutdownHooks.ts';
import type { ServerContext } from '../ServerContext.ts';
import type { SupportGrantStore } from './SupportGrantStore.ts';
import type { SupportGrants } from './SupportGrants.ts';

/** What the expiry watch uses (built once in createServices). */
export interface SupportGrantExpiryDeps extends Pick<ServerContext, 'now' | 'shutdown'> {
  readonly supportGrants: SupportGrantStore;
  readonly support: SupportGrants;
}

/** setTimeout's longest delay; a later expiry is reached by re-arming. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A grant's end on live sockets (terms §3): requests and new subscriptions are refused from
 * `expiresAt` on (access is checked against the injected clock), but a socket authorized
 * before it would read on. One timer for the next expiry; `check()` runs at start (grants
 * that ran out while the server was down get their audit entry), after a grant is made, and
 * in tests after they move their clock.
 */
export class SupportGrantExpiry {
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly ctx: SupportGrantExpiryDeps) {
    ctx.shutdown.add(ShutdownPhase.flush, 'support grant expiry', () => this.stop());
  }

  check(): void {
    this.ctx.support.expireDue();
    this.arm();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(): void {
    this.stop();
    const next = this.ctx.supportGrants.nextExpiry();
    if (next === null) return;
    // A little after the expiry: the store compares with `<=`, never early.
    const delay = Math.min(Math.max(next - this.ctx.now() + 1, 0), MAX_TIMER_MS);
    this.timer = setTimeout(() => this.check(), delay);
    this.timer.unref();
  }
}
