import type { ServerContext } from '../ServerContext.ts';
import { ShutdownPhase } from '../lifecycle/ShutdownHooks.ts';
import type { ClusterJobs } from '../lifecycle/JobLease.ts';
import { SingleFlightJob } from '../lifecycle/SingleFlightJob.ts';
import type { MailMessage, Mailer } from '../mail/Mailer.ts';
import { renderEmail } from '../mail/renderEmail.ts';
import type {
  AsyncAnnouncementStore,
  PendingAnnouncement,
  Recipient,
} from './AnnouncementStore.ts';
import type { OptOutLinks } from './OptOutLinks.ts';

/**
 * Recipients mailed per batch; between batches the loop yields so requests and sync frames
 * go first. Also how often the cursor (and so the console's progress) moves on.
 */
export const ANNOUNCEMENT_BATCH_SIZE = 50;

/**
 * Longest stretch of sending without letting other work in. With the outbox each message is
 * a few synchronous SQLite writes, so a whole batch would hold the event loop (and every
 * socket) for a few hundred milliseconds on a slow machine; the sender yields after this
 * long instead, in the middle of a batch if need be.
 */
export const ANNOUNCEMENT_SLICE_MS = 15;

/** The sender's name on the process's `JobLease`: one process of a cluster sends. */
export const ANNOUNCEMENT_JOB = 'announcements';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The store the sender reads and writes, on its async interface (issue 19: PostgreSQL may
 * answer); part of `Services.control`.
 */
export interface AnnouncementSenderStores {
  readonly announcements: AsyncAnnouncementStore;
}

/** What the sender uses (built once in createServices). */
export interface AnnouncementSenderDeps extends Pick<
  ServerContext,
  'log' | 'shutdown' | 'jobLease'
> {
  readonly control: AnnouncementSenderStores;
  readonly mailer: Mailer;
  /** A cluster process: other processes send too (a kick held elsewhere asks again; left work resumed). */
  readonly cluster?: ClusterJobs | null;
  readonly optOutLinks: OptOutLinks;
}

/**
 * Delivers announcements after the operator's request has been answered: the oldest
 * unfinished first, in batches of recipients ordered by user id, resuming after a restart at
 * the stored cursor. Each message is claimed in the database before it is handed to the
 * mailer, so nobody gets one announcement twice — a restart in the middle of a message
 * marks that one `interrupted` instead of sending it again (at most one per restart). A
 * failed send is recorded and skipped: one bad address must not hold back everyone else.
 * Users who opt out meanwhile are skipped at the claim.
 */
export class AnnouncementSender {
  readonly #job: SingleFlightJob;

  constructor(private readonly deps: AnnouncementSenderDeps) {
    this.#job = new SingleFlightJob(
      (lost) => this.run(lost),
      (err) => deps.log.error({ err }, 'announcement delivery failed'),
      {
        lease: deps.jobLease,
        name: ANNOUNCEMENT_JOB,
        ...(deps.cluster ? { shared: deps.cluster } : {}),
      },
    );
    deps.shutdown.add(ShutdownPhase.flush, 'announcements', () => this.#job.stop());
  }

  /** Starts sending whatever is pending, or looks again after the run under way. */
  kick(): void {
    this.#job.kick();
  }

  /** Resolves when nothing is being sent (tests wait on it). */
  idle(): Promise<void> {
    return this.#job.idle();
  }

  /** Sends until nothing is pending, stopped, or `lost` (the job lease) is aborted. */
  private async run(lost: AbortSignal): Promise<void> {
    const { announcements } = this.deps.control;
    const ended = () => this.#job.stopped || lost.aborted;
    // A run holds the job lease, so nobody else sends now (no other run of this process, no
    // other process of a cluster): every `sending` row is a message a process that stopped
    // or lost the lease may or may not have handed over. Settled at every run, not once per
    // process: a cluster's holder may die while this process runs on.
    const interrupted = await announcements.interruptInFlight();
    if (interrupted) this.deps.log.warn({ interrupted }, 'announcement messages interrupted');
    for (;;) {
      if (ended()) return;
      const announcement = await announcements.nextUnfinished();
      if (!announcement) return;
      const batch = await announcements.nextRecipients(announcement.id, ANNOUNCEMENT_BATCH_SIZE);
      if (batch.length === 0) {
        await announcements.finish(announcement.id);
        this.deps.log.info({ id: announcement.id }, 'announcement delivered');
        continue;
      }
      let sliceStart = performance.now();
      for (const recipient of batch) {
        // Stopping mid-batch loses nothing: handled recipients have their delivery rows.
        if (ended()) return;
        await this.deliver(announcement, recipient);
        if (performance.now() - sliceStart > ANNOUNCEMENT_SLICE_MS) {
          await nextTurn();
          sliceStart = performance.now();
        }
      }
      await announcements.advance(announcement.id, batch[batch.length - 1]!.id);
      // Let requests and sync frames in between batches.
      await nextTurn();
    }
  }

  private async deliver(announcement: PendingAnnouncement, recipient: Recipient): Promise<void> {
    const { announcements } = this.deps.control;
    if (!(await announcements.claim(announcement.id, recipient.id))) return; // opted out meanwhile
    try {
      await this.deps.mailer.send(await this.email(announcement, recipient));
      await announcements.settle(announcement.id, recipient.id, 'sent');
    } catch (err) {
      await announcements.settle(announcement.id, recipient.id, 'failed');
      // The address, never the body: the body holds the recipient's opt-out link.
      this.deps.log.error({ err, to: recipient.email }, 'announcement could not be sent');
    }
  }

  private async email(
    announcement: PendingAnnouncement,
    recipient: Recipient,
  ): Promise<MailMessage> {
    const links = this.deps.optOutLinks;
    const message = renderEmail({
      to: recipient.email,
      subject: announcement.subject,
      greeting: `Hello ${recipient.displayName},`,
      paragraphs: announcement.text.split(/\n\s*\n/).map((p) => p.trim()),
      footnote:
        'You get this email because you have an account with us. We use your name, email address and phone number only to tell you about new features (terms of service §3).',
      footerLink: {
        label: 'Stop these announcements',
        url: await links.url(recipient.id),
      },
    });
    // RFC 8058: mail providers show their own "Unsubscribe" button, which POSTs here.
    return {
      ...message,
      headers: {
        'List-Unsubscribe': `<${await links.oneClickUrl(recipient.id)}>`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      },
    };
  }
}
