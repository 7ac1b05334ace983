import type { Hono } from 'hono';
import { ErrorCode } from '@desk/protocol';
import {
  AnnouncementOneClickQuery,
  AnnouncementOptOutRequest,
  SendAnnouncementRequest,
  SetAnnouncementPreferenceRequest,
} from '@desk/protocol/rest';
import type { AuditStore } from '../audit/AuditStore.ts';
import type { AsyncTransactions } from '../db/Transactions.ts';
import { AppError } from '../http/AppError.ts';
import { readBody } from '../http/readBody/index.ts';
import { authOf, requireOperator, requireSession } from '../identity/middleware.ts';
import type { UserStore } from '../identity/UserStore.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';
import type { AnnouncementSender, AnnouncementSenderStores } from './AnnouncementSender.ts';
import { ANNOUNCEMENT_ONE_CLICK_PATH, type OptOutLinks } from './OptOutLinks.ts';

/**
 * The stores the announcement routes read and write, on their async interfaces (issue 19:
 * PostgreSQL may answer); part of `Services.control`.
 */
export interface AnnouncementRouteStores extends AnnouncementSenderStores {
  readonly transactions: AsyncTransactions;
  readonly audit: AsyncStore<AuditStore>;
  readonly users: AsyncStore<UserStore>;
}

/** What the announcement routes use (built once in createServices). */
export interface AnnouncementRouteDeps {
  readonly control: AnnouncementRouteStores;
  readonly announcementSender: AnnouncementSender;
  readonly optOutLinks: OptOutLinks;
}

/**
 * Feature announcements (issue 16, terms §3): operators send and follow them; a user turns
 * them off and on for their own account (a browser session: the account page), or turns them
 * off from the signed link of any announcement without logging in. The user routes live
 * under /api/auth/ so that a user who has not accepted new terms can still opt out.
 */
export function installAnnouncements(app: Hono, deps: AnnouncementRouteDeps): void {
  const { announcementSender: sender } = deps;
  const { announcements, audit, transactions } = deps.control;

  app.get('/api/operator/announcements', requireOperator, async (c) =>
    c.json({ announcements: await announcements.list() }),
  );

  app.post('/api/operator/announcements', requireOperator, async (c) => {
    const operatorId = authOf(c).user.id;
    const body = await readBody(c, SendAnnouncementRequest);
    const announcement = await transactions.write(async () => {
      const created = await announcements.create({ ...body, createdBy: operatorId });
      await audit.record({
        actor: { kind: 'operator', userId: operatorId },
        action: 'announcement.sent',
        target: { kind: 'announcement', id: created.id },
        details: {
          subject: created.subject,
          audience: created.audience,
          recipients: created.recipients,
        },
      });
      return created;
    });
    // The emails go out after this answer, in batches (AnnouncementSender).
    sender.kick();
    return c.json(announcement, 201);
  });

  // After a mail outage: the recipients whose message failed get it now; nobody else again.
  app.post('/api/operator/announcements/:id/retry', requireOperator, async (c) => {
    const operatorId = authOf(c).user.id;
    const id = c.req.param('id');
    const announcement = await transactions.write(async () => {
      const found = await announcements.get(id);
      if (!found) throw AppError.notFound('No such announcement.');
      if (found.finishedAt === null) {
        throw new AppError(
          ErrorCode.invalidStateTransition,
          409,
          'This announcement is still being sent; failed messages can be retried once it is done.',
        );
      }
      const retried = await announcements.retryFailed(id);
      await audit.record({
        actor: { kind: 'operator', userId: operatorId },
        action: 'announcement.retried',
        target: { kind: 'announcement', id },
        details: { retried },
      });
      return (await announcements.get(id))!;
    });
    sender.kick();
    return c.json(announcement);
  });

  app.get('/api/auth/announcements', requireSession, async (c) =>
    c.json({ receive: await announcements.receives(authOf(c).user.id) }),
  );

  app.put('/api/auth/announcements', requireSession, async (c) => {
    const userId = authOf(c).user.id;
    const { receive } = await readBody(c, SetAnnouncementPreferenceRequest);
    await setReceives(deps.control, userId, receive, 'account');
    return c.json({ receive });
  });

  // No login: the token of the email's link says whose announcements stop. POST only (the
  // page waits for a click), so a mail scanner that fetches the link changes nothing.
  app.post('/api/auth/announcements/opt-out', async (c) => {
    const { token } = await readBody(c, AnnouncementOptOutRequest);
    const user = await userOfToken(deps, token);
    await setReceives(deps.control, user.id, false, 'email_link');
    return c.json({ email: user.email });
  });

  // RFC 8058 one-click: the mail provider POSTs `List-Unsubscribe=One-Click` to the URL of the
  // message's List-Unsubscribe header, from no page of ours (exempt from the Origin check in
  // createServer). The body says nothing more, so it is not read; the token is the authority.
  app.post(ANNOUNCEMENT_ONE_CLICK_PATH, async (c) => {
    const parsed = AnnouncementOneClickQuery.safeParse(c.req.query());
    if (!parsed.success) throw AppError.badRequest('The link has no token.');
    const user = await userOfToken(deps, parsed.data.token);
    await setReceives(deps.control, user.id, false, 'one_click');
    return c.json({ email: user.email });
  });

  // Announcements left unfinished by a restart resume.
  sender.kick();
}

/** The user a signed opt-out token names; refuses a token we did not sign. */
async function userOfToken(deps: AnnouncementRouteDeps, token: string) {
  const userId = await deps.optOutLinks.verify(token);
  const user = userId ? await deps.control.users.byId(userId) : undefined;
  if (!user) {
    throw new AppError(
      ErrorCode.tokenInvalid,
      400,
      'This link is not valid. Open the whole link from the email, or turn announcements off on your account page.',
    );
  }
  return user;
}

async function setReceives(
  stores: AnnouncementRouteStores,
  userId: string,
  receive: boolean,
  via: 'account' | 'email_link' | 'one_click',
): Promise<void> {
  await stores.transactions.write(async () => {
    if ((await stores.announcements.receives(userId)) === receive) return;
    await stores.announcements.setReceives(userId, receive);
    await stores.audit.record({
      actor: { kind: 'user', userId },
      action: receive ? 'announcements.opted_in' : 'announcements.opted_out',
      target: { kind: 'user', id: userId },
      details: { via },
    });
  });
}
