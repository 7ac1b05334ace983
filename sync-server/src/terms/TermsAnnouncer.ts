import type { ServerContext } from '../ServerContext.ts';
import { DELETED_EMAIL_DOMAIN, type UserStore } from '../identity/UserStore.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';
import type { Mailer } from '../mail/Mailer.ts';
import { renderEmail } from '../mail/renderEmail.ts';
import { ShutdownPhase } from '../lifecycle/ShutdownHooks.ts';
import type { ClusterJobs } from '../lifecycle/JobLease.ts';
import { SingleFlightJob } from '../lifecycle/SingleFlightJob.ts';
import type { PendingAnnouncement, TermsStore } from './TermsStore.ts';

/** Users mailed per batch; one batch per event-loop turn so sync never waits for the mail. */
export const ANNOUNCE_BATCH_SIZE = 50;

/** The announcer's name on the process's `JobLease`: one process of a cluster mails. */
export const TERMS_ANNOUNCE_JOB = 'terms-announcements';

/**
 * The stores the announcer reads and writes, on their async interfaces (issue 19:
 * PostgreSQL may answer); part of `Services.control`.
 */
export interface TermsAnnouncerStores {
  readonly terms: AsyncStore<TermsStore>;
  readonly users: AsyncStore<UserStore>;
}

/** What the announcer uses (built once in createServices). */
export interface TermsAnnouncerDeps extends Pick<
  ServerContext,
  'config' | 'log' | 'shutdown' | 'jobLease'
> {
  readonly control: TermsAnnouncerStores;
  readonly mailer: Mailer;
  /** A cluster process: other processes send too (a kick held elsewhere asks again; left work resumed). */
  readonly cluster?: ClusterJobs | null;
}

/**
 * Emails every user about a newly published terms version (terms header: users are told
 * when the terms change), after the publishing request has been answered: in batches of
 * users ordered by id, the last id mailed kept in `terms_versions.announce_cursor`, so a
 * restart resumes where it stopped (a user may get the mail twice if the process dies in a
 * batch; never zero times). A failed send is logged and skipped: one bad address must not
 * hold back everyone else.
 */
export class TermsAnnouncer {
  readonly #job: SingleFlightJob;

  constructor(private readonly ctx: TermsAnnouncerDeps) {
    this.#job = new SingleFlightJob(
      (lost) => this.run(lost),
      (err) => ctx.log.error({ err }, 'terms announcement failed'),
      {
        lease: ctx.jobLease,
        name: TERMS_ANNOUNCE_JOB,
        ...(ctx.cluster ? { shared: ctx.cluster } : {}),
      },
    );
    ctx.shutdown.add(ShutdownPhase.flush, 'terms announcements', () => this.#job.stop());
  }

  /** Starts sending whatever is pending, or looks again after the run under way. */
  kick(): void {
    this.#job.kick();
  }

  /** Resolves when nothing is pending (tests wait on it). */
  idle(): Promise<void> {
    return this.#job.idle();
  }

  /** Mails until nothing is pending, stopped, or `lost` (the job lease) is aborted. */
  private async run(lost: AbortSignal): Promise<void> {
    const { terms, users: userStore } = this.ctx.control;
    for (;;) {
      if (this.#job.stopped || lost.aborted) return;
      const pending = await terms.pendingAnnouncement();
      if (!pending) return;
      const users = await userStore.pageAfter(pending.cursor ?? '', ANNOUNCE_BATCH_SIZE);
      if (users.length === 0) {
        await terms.markAnnounced(pending.version);
        continue;
      }
      for (const user of users) {
        // A deleted account keeps an address that can never receive mail; nobody to tell.
        if (user.email.endsWith(`@${DELETED_EMAIL_DOMAIN}`)) continue;
        try {
          await this.ctx.mailer.send(this.email(pending, user));
        } catch (err) {
          this.ctx.log.error({ err, to: user.email }, 'terms announcement could not be sent');
        }
      }
      await terms.advanceAnnouncement(pending.version, users[users.length - 1]!.id);
      // Let requests and sync frames in between batches.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private email(pending: PendingAnnouncement, user: { email: string; displayName: string }) {
    const date = new Date(pending.effectiveAt).toUTCString();
    return renderEmail({
      to: user.email,
      subject: 'Our terms of service are changing',
      greeting: `Hello ${user.displayName},`,
      paragraphs: [
        `We published version ${pending.version} of the terms of service. It takes effect on ${date}; from then on you need to accept it to keep using the service.`,
        `What changes: ${pending.changes}`,
      ],
      action: { label: 'Read the new terms', url: `${this.ctx.config.PUBLIC_URL}/terms` },
    });
  }
}
