import { ShutdownPhase } from '../lifecycle/ShutdownHooks.ts';
import type { ServerContext } from '../ServerContext.ts';
import type { SubscriptionChanges } from './SubscriptionChanges.ts';
import { Subscriptions } from './Subscriptions.ts';

/** How often expired trials are recorded and announced, in ms. @default 60_000 */
export const TRIAL_SWEEP_INTERVAL_MS = 60_000;

/**
 * Records trials that ran out as suspended (trial_expired) and emits
 * `workspaceStateChanged`, so live connections become read-only without waiting for a
 * reconnect. Access checks already treat an expired trial as read-only on their own
 * (`effectiveState`); the sweeper makes it visible to listeners and to the operator list.
 */
export class TrialSweeper {
  readonly #changes: SubscriptionChanges;
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly ctx: ServerContext & { readonly subscriptionChanges: SubscriptionChanges },
  ) {
    this.#changes = ctx.subscriptionChanges;
  }

  start(intervalMs = TRIAL_SWEEP_INTERVAL_MS): void {
    this.sweep();
    this.#timer = setInterval(() => this.sweep(), intervalMs);
    this.#timer.unref();
    this.ctx.shutdown.add(ShutdownPhase.listener, 'trial sweeper', () => this.stop());
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Returns the workspaces whose trial was recorded as expired in this pass. */
  sweep(): string[] {
    const expired: string[] = [];
    for (const workspaceId of Subscriptions.expiredTrials(this.ctx.db, this.ctx.now())) {
      try {
        const changed = this.#changes.transition(workspaceId, 'suspended', {
          suspendedReason: 'trial_expired',
          actor: { kind: 'system', userId: null },
          note: 'trial ended without a subscription',
        });
        if (changed) expired.push(workspaceId);
      } catch (err) {
        // One bad row must not stop the others; the next pass retries it.
        this.ctx.log.error({ err, workspaceId }, 'could not record an expired trial');
      }
    }
    if (expired.length) this.ctx.log.info({ workspaces: expired.length }, 'trials expired');
    return expired;
  }
}
