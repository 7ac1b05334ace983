import type { ServerContext } from '../ServerContext.ts';
import type { TermsStore } from './TermsStore.ts';
import { ShutdownPhase } from '../lifecycle/ShutdownHooks.ts';

/** What the effective-date watch uses (built once in createServices). */
export interface TermsEffectiveDatesDeps extends Pick<
  ServerContext,
  'access' | 'now' | 'shutdown'
> {
  readonly terms: TermsStore;
}

/** setTimeout's longest delay; a later date is reached by re-arming. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Open sockets at a terms version's effective date (issue 16): new sockets are refused at the
 * upgrade (DeskSyncAuth), but one opened before the date would sync on. At the date this
 * emits `termsRequired` with the users who have not accepted the version by then, and the
 * sync engine closes their sockets with 4451. One timer for the next date; `check()` also
 * runs on publish and at start, and tests call it after moving their clock.
 */
export class TermsEffectiveDates {
  private timer: NodeJS.Timeout | null = null;
  /** The newest version already announced to sockets (none at start: a restart drops sockets). */
  private enforced: number;

  constructor(private readonly ctx: TermsEffectiveDatesDeps) {
    this.enforced = ctx.terms.versionInForce();
    ctx.shutdown.add(ShutdownPhase.flush, 'terms effective dates', () => this.stop());
  }

  /** Emits for a version that came into force since the last check, then arms the next date. */
  check(): void {
    const inForce = this.ctx.terms.versionInForce();
    if (inForce > this.enforced) {
      this.enforced = inForce;
      const userIds = this.ctx.terms.usersBehind(inForce);
      if (userIds.length > 0) this.ctx.access.emit('termsRequired', { userIds });
    }
    this.arm();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(): void {
    this.stop();
    const next = this.ctx.terms.nextEffectiveAt();
    if (next === null) return;
    const delay = Math.min(Math.max(next - this.ctx.now(), 0), MAX_TIMER_MS);
    this.timer = setTimeout(() => this.check(), delay);
    this.timer.unref();
  }
}
