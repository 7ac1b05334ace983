import type { Hono } from 'hono';
import { MailboxQuery } from '@desk/protocol/rest';
import { normalizeEmail } from '../http/emailAddress/index.ts';
import { readQuery } from '../http/readQuery/index.ts';
import { requireOperator } from '../identity/middleware.ts';
import type { Mailer } from './Mailer.ts';
import type { AsyncMailOutbox } from './MailOutbox.ts';

/** What the mailbox route reads, on its async interface (issue 19); part of `Services.control`. */
export interface MailboxRouteStores {
  readonly mailOutbox: AsyncMailOutbox;
}

/** What the mailbox route uses (built once in createServices). */
export interface MailboxRouteDeps {
  readonly mailer: Mailer;
  readonly control: MailboxRouteStores;
}

/**
 * `GET /api/mailbox`: the outbox, for the operator console. Platform operators with a
 * browser session only — whatever the address or headers of the request: it holds every
 * tenant's reset and invitation links, and "from this machine" is what a same-host reverse
 * proxy without forwarding headers looks like too. Anyone else on a one-machine trial reads
 * the links in the server log (`OutboxMailer`).
 */
export function installMailboxRoutes(app: Hono, { mailer, control }: MailboxRouteDeps): void {
  app.get('/api/mailbox', requireOperator, async (c) => {
    const { to } = readQuery(c, MailboxQuery);
    // With SMTP the outbox keeps nothing (mail kept before SMTP was set up is not shown).
    const messages =
      mailer.kind === 'outbox'
        ? await control.mailOutbox.list(to === undefined ? {} : { to: normalizeEmail(to) })
        : [];
    return c.json({ delivery: mailer.kind, messages });
  });
}
