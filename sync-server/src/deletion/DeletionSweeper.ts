import {
  WORKSPACE_DELETION_CANCEL_DAYS,
  WORKSPACE_PURGE_WARNING_DAYS,
  type WorkspaceDeletionReason,
} from '@desk/protocol';
import { DAY_MS } from '../billing/SubscriptionState.ts';
import type { Config } from '../config/config.ts';
import type { JobLease } from '../lifecycle/JobLease.ts';
import { ShutdownPhase, type ShutdownHooks } from '../lifecycle/ShutdownHooks.ts';
import type { Logger } from '../log/logger.ts';
import { StaleFenceError, type LeaseFence } from '../store/DocStore.ts';
import { leaseFence } from '../store/leaseFences.ts';
import { sendWithoutFailing } from '../mail/createMailer.ts';
import type { Mailer } from '../mail/Mailer.ts';
import { purgeWarningEmail } from './deletionEmails.ts';
import type {
  PurgeOutcome,
  WorkspaceDeletion,
  WorkspaceDeletionStores,
} from './WorkspaceDeletion.ts';

/**
 * How often scheduled purges and their warnings are looked at, in ms. A purge happens at
 * the first sweep after its time, so at most this late. @default 3_600_000 (1 hour)
 */
export const DELETION_SWEEP_INTERVAL_MS = 60 * 60 * 1000;

/** The sweep's name on the process's `JobLease`: one process of a cluster sweeps at a time. */
export const DELETION_SWEEP_JOB = 'deletion-sweep';

export interface DeletionSweeperDeps {
  readonly config: Config;
  readonly jobLease: JobLease;
  readonly log: Logger;
  readonly shutdown: ShutdownHooks;
  readonly mailer: Mailer;
  readonly now: () => number;
  /** The schedule, warnings and owners, read at every sweep. */
  readonly control: Pick<WorkspaceDeletionStores, 'workspaces' | 'workspaceDeletions'>;
  readonly workspaceDeletion: WorkspaceDeletion;
}

/** One sweep's work (tests assert on it, the log reports it). */
export interface SweepResult {
  warned: { workspaceId: string; daysBefore: number }[];
  purged: PurgeOutcome[];
}

interface Scheduled {
  workspaceId: string;
  reason: WorkspaceDeletionReason;
  requestedAt: number | null;
  purgeAfter: number;
}

/**
 * The periodic job of workspace deletion, run like the trial sweeper: emails the owner
 * before a scheduled purge (WORKSPACE_PURGE_WARNING_DAYS before it; for an owner's own
 * request only the warnings inside its cancel window, since they were told when they asked),
 * then purges what is due — owner requests whose cancel window is over, and workspaces
 * whose subscription was terminated and whose 30-day grace period ended. One workspace's
 * failure does not stop the others;
 * the next sweep retries it.
 */
export class DeletionSweeper {
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<SweepResult> | null = null;

  constructor(private readonly deps: DeletionSweeperDeps) {}

  start(intervalMs = DELETION_SWEEP_INTERVAL_MS): void {
    void this.sweepOnce();
    this.#timer = setInterval(() => void this.sweepOnce(), intervalMs);
    this.#timer.unref();
    this.deps.shutdown.add(ShutdownPhase.listener, 'deletion sweeper', () => this.stop());
    // A purge in progress finishes before the database closes.
    this.deps.shutdown.add(ShutdownPhase.flush, 'deletion sweep', async () => {
      await this.#running;
    });
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /**
   * The timer's pass: `sweep` under the job lease. Null when another process holds it (it
   * is sweeping now: both would warn and purge the same workspaces).
   */
  async sweepOnce(): Promise<SweepResult | null> {
    let result: SweepResult | null = null;
    try {
      await this.deps.jobLease.runOnce(DELETION_SWEEP_JOB, async (lost, fence) => {
        result = await this.sweep(lost, leaseFence(DELETION_SWEEP_JOB, fence));
      });
    } catch (err) {
      // The lease could not be asked for (Redis away): the next pass tries again.
      this.deps.log.error({ err }, 'workspace deletion sweep failed');
    }
    return result;
  }

  /**
   * One pass; a pass already running is joined, not doubled. Stops between two workspaces
   * once `lost` (the job lease) is aborted, and at once when the store refuses a purge's
   * write under `fence` (the lease's, on a cluster): another process holds the lease now.
   */
  sweep(lost?: AbortSignal, fence: LeaseFence | null = null): Promise<SweepResult> {
    this.#running ??= this.#sweep(lost, fence).finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  /** Every scheduled purge: owner requests and terminated subscriptions. */
  async #scheduled(): Promise<Scheduled[]> {
    const { workspaceDeletions } = this.deps.control;
    const requested = (await workspaceDeletions.due(Number.MAX_SAFE_INTEGER)).map((d) => ({
      workspaceId: d.workspaceId,
      reason: d.reason,
      requestedAt: d.requestedAt,
      purgeAfter: d.purgeAfter,
    }));
    const closed = new Set(requested.map((d) => d.workspaceId));
    const terminated = (await workspaceDeletions.terminated())
      .filter((t) => !closed.has(t.workspaceId))
      .map((t) => ({
        workspaceId: t.workspaceId,
        reason: 'subscription_terminated' as const,
        requestedAt: t.terminatedAt,
        purgeAfter: t.deleteAfter,
      }));
    return [...requested, ...terminated];
  }

  async #sweep(lost: AbortSignal | undefined, fence: LeaseFence | null): Promise<SweepResult> {
    const { deps } = this;
    const result: SweepResult = { warned: [], purged: [] };
    for (const scheduled of await this.#scheduled()) {
      if (lost?.aborted) break;
      const now = deps.now();
      try {
        if (scheduled.purgeAfter <= now) {
          result.purged.push(
            await deps.workspaceDeletion.purge(
              scheduled.workspaceId,
              scheduled.reason,
              scheduled.requestedAt,
              undefined,
              fence,
            ),
          );
        } else {
          const days = await this.#warningDue(scheduled, now);
          if (days !== null) {
            await this.#warn(scheduled, days);
            result.warned.push({ workspaceId: scheduled.workspaceId, daysBefore: days });
          }
        }
      } catch (err) {
        if (err instanceof StaleFenceError) {
          // Paused past the lease's TTL while another process took the sweep over and
          // purged: its work stands; this sweep writes nothing more.
          deps.log.warn(
            { workspaceId: scheduled.workspaceId, fence: err.fence, highest: err.highest },
            'workspace deletion sweep fenced out: another process sweeps',
          );
          break;
        }
        deps.log.error(
          { err, workspaceId: scheduled.workspaceId },
          'workspace deletion step failed',
        );
      }
    }
    if (result.purged.length > 0) {
      deps.log.info({ workspaces: result.purged.length }, 'workspaces purged');
    }
    return result;
  }

  /** The nearest warning whose time has come and that was not sent yet, or null. */
  async #warningDue(scheduled: Scheduled, now: number): Promise<number | null> {
    const daysLeft = (scheduled.purgeAfter - now) / DAY_MS;
    const candidates = WORKSPACE_PURGE_WARNING_DAYS.filter(
      (days) =>
        daysLeft <= days &&
        (scheduled.reason !== 'owner_request' || days < WORKSPACE_DELETION_CANCEL_DAYS),
    ).sort((a, b) => a - b);
    const nearest = candidates[0];
    if (nearest === undefined) return null;
    const { workspaceDeletions } = this.deps.control;
    if (await workspaceDeletions.warned(scheduled.workspaceId, scheduled.purgeAfter, nearest)) {
      return null;
    }
    return nearest;
  }

  async #warn(scheduled: Scheduled, daysBefore: number): Promise<void> {
    const { deps } = this;
    const workspace = await deps.control.workspaces.byId(scheduled.workspaceId);
    const owner = await deps.control.workspaceDeletions.owner(scheduled.workspaceId);
    // Recorded first: a mail that fails is logged, never sent twice an hour.
    await deps.workspaceDeletion.recordWarning(scheduled, daysBefore);
    if (!workspace || !owner) return;
    await sendWithoutFailing(
      deps,
      purgeWarningEmail(
        deps.config,
        owner,
        workspace,
        scheduled.reason,
        scheduled.purgeAfter,
        daysBefore,
      ),
    );
  }
}
