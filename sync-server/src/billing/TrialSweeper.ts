import type { JobLease } from '../lifecycle/JobLease.ts';
import { ShutdownPhase, type ShutdownHooks } from '../lifecycle/ShutdownHooks.ts';
import type { Logger } from '../log/logger.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';
import type { SubscriptionChanges } from './SubscriptionChanges.ts';
import type { SubscriptionStore } from './SubscriptionStore.ts';

/** How often expired trials are recorded and announced, in ms. @default 60_000 */
export const TRIAL_SWEEP_INTERVAL_MS = 60_000;

/** The sweep's name on the process's `JobLease`: one process of a cluster sweeps at a time. */
export const TRIAL_SWEEP_JOB = 'trial-sweep';

/** What the sweeper uses (built once in createServices). */
export interface TrialSweeperDeps {
  readonly jobLease: JobLease;
  /** The expired trials, on the async interface (issue 19); part of `Services.control`. */
  readonly control: { readonly subscriptions: AsyncStore<SubscriptionStore> };
  readonly subscriptionChanges: SubscriptionChanges;
  readonly shutdown: ShutdownHooks;
  readonly log: Logger;
}

/**
 * Records trials that ran out as suspended (trial_expired) and emits
 * `workspaceStateChanged`, so live connections become read-only without waiting for a
 * reconnect. Access checks already treat an expired trial as read-only on their own
 * (`effectiveState`); the sweeper makes it visible to listeners and to the operator list.
 */
export class TrialSweeper {
  readonly #deps: TrialSweeperDeps;
  #timer: NodeJS.Timeout | null = null;

  constructor(deps: TrialSweeperDeps) {
    this.#deps = deps;
  }

  start(intervalMs = TRIAL_SWEEP_INTERVAL_MS): void {
    void this.sweepOnce();
    this.#timer = setInterval(() => void this.sweepOnce(), intervalMs);
    this.#timer.unref();
    this.#deps.shutdown.add(ShutdownPhase.listener, 'trial sweeper', () => this.stop());
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** The timer's pass: `sweep` under the job lease, skipped while another process sweeps. */
  async sweepOnce(): Promise<void> {
    try {
      await this.#deps.jobLease.runOnce(TRIAL_SWEEP_JOB, async () => {
        await this.sweep();
      });
    } catch (err) {
      // The lease could not be asked for (Redis away): the next pass tries again.
      this.#deps.log.error({ err }, 'trial sweep failed');
    }
  }

  /** Returns the workspaces whose trial was recorded as expired in this pass. */
  async sweep(): Promise<string[]> {
    const { subscriptionChanges, log } = this.#deps;
    const expired: string[] = [];
    for (const workspaceId of await this.#deps.control.subscriptions.expiredTrials()) {
      try {
        const changed = await subscriptionChanges.transition(workspaceId, 'suspended', {
          suspendedReason: 'trial_expired',
          actor: { kind: 'system', userId: null },
          note: 'trial ended without a subscription',
        });
        if (changed) expired.push(workspaceId);
      } catch (err) {
        // One bad row must not stop the others; the next pass retries it.
        log.error({ err, workspaceId }, 'could not record an expired trial');
      }
    }
    if (expired.length) log.info({ workspaces: expired.length }, 'trials expired');
    return expired;
  }
}
