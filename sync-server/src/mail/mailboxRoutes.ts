import type { Hono } from 'hono';
import { MailboxQuery } from '@desk/protocol/rest';
import { normalizeEmail } from '../http/emailAddress/index.ts';
import { readQuery } from '../http/readQuery/index.ts';
import { requireOperator } from '../identity/middleware.ts';
import type { Mailer } from './Mailer.ts';
import { SqliteOutboxMailer } from './OutboxMailer.ts';

/**
 * `GET /api/mailbox`: the outbox, for the operator console. Platform operators with a
 * browser session only — whatever the address or headers of the request: it holds every
 * tenant's reset and invitation links, and "from this machine" is what a same-host reverse
 * proxy without forwarding headers looks like too. Anyone else on a one-machine trial reads
 * the links in the server log (`SqliteOutboxMailer`).
 */
export function installMailboxRoutes(app: Hono, { mailer }: { readonly mailer: Mailer }): void {
  app.get('/api/mailbox', requireOperator, (c) => {
    const { to } = readQuery(c, MailboxQuery);
    const messages =
      mailer instanceof SqliteOutboxMailer
        ? mailer.list(to === undefined ? {} : { to: normalizeEmail(to) })
        : [];
    return c.json({ delivery: mailer.kind, messages });
  });
}
