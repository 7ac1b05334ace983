import type { ServerContext } from '../ServerContext.ts';
import type { Mailer } from '../mail/Mailer.ts';
import { renderEmail } from '../mail/renderEmail.ts';
import { ShutdownPhase } from '../lifecycle/ShutdownHooks.ts';

/** Users mailed per batch; one batch per event-loop turn so sync never waits for the mail. */
export const ANNOUNCE_BATCH_SIZE = 50;

interface Pending {
  version: number;
  effective_at: number;
  changes: string;
  announce_cursor: string | null;
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
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly ctx: ServerContext,
    private readonly mailer: Mailer,
  ) {
    ctx.shutdown.add(ShutdownPhase.flush, 'terms announcements', () => this.stop());
  }

  /** Starts sending whatever is pending unless a run is under way (it picks up new work). */
  kick(): void {
    if (this.running || this.stopped) return;
    this.running = this.run()
      .catch((err: unknown) => this.ctx.log.error({ err }, 'terms announcement failed'))
      .finally(() => {
        this.running = null;
      });
  }

  /** Resolves when nothing is pending (tests wait on it). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  private async run(): Promise<void> {
    const { db } = this.ctx;
    for (;;) {
      if (this.stopped) return;
      const pending = db
        .prepare(
          `SELECT version, effective_at, changes, announce_cursor FROM terms_versions
            WHERE announced_at IS NULL ORDER BY version LIMIT 1`,
        )
        .get() as Pending | undefined;
      if (!pending) return;
      const users = db
        .prepare(`SELECT id, email, display_name FROM users WHERE id > ? ORDER BY id LIMIT ?`)
        .all(pending.announce_cursor ?? '', ANNOUNCE_BATCH_SIZE) as {
        id: string;
        email: string;
        display_name: string;
      }[];
      if (users.length === 0) {
        db.prepare('UPDATE terms_versions SET announced_at = ? WHERE version = ?').run(
          this.ctx.now(),
          pending.version,
        );
        continue;
      }
      for (const user of users) {
        try {
          await this.mailer.send(this.email(pending, user));
        } catch (err) {
          this.ctx.log.error({ err, to: user.email }, 'terms announcement could not be sent');
        }
      }
      db.prepare('UPDATE terms_versions SET announce_cursor = ? WHERE version = ?').run(
        users[users.length - 1]!.id,
        pending.version,
      );
      // Let requests and sync frames in between batches.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private email(pending: Pending, user: { email: string; display_name: string }) {
    const date = new Date(pending.effective_at).toUTCString();
    return renderEmail({
      to: user.email,
      subject: 'Our terms of service are changing',
      greeting: `Hello ${user.display_name},`,
      paragraphs: [
        `We published version ${pending.version} of the terms of service. It takes effect on ${date}; from then on you need to accept it to keep using the service.`,
        `What changes: ${pending.changes}`,
      ],
      action: { label: 'Read the new terms', url: `${this.ctx.config.PUBLIC_URL}/terms` },
    });
  }
}
