import type { Hono } from 'hono';
import { ErrorCode } from '@desk/protocol';
import { AppError } from '../http/AppError.ts';
import type { AuthContext } from '../identity/AuthContext.ts';
import type { AuthServices } from './AuthServices.ts';
import { clientInfo } from '../http/clientInfo/index.ts';
import { normalizeEmail } from '../http/emailAddress/index.ts';
import { loginBackoff } from './limits.ts';
import { loginKeys, type ThrottleKey } from './LoginThrottle.ts';
import { mePayload } from './mePayload.ts';
import { authOf, requireSession, requireUser } from '../identity/middleware.ts';
import { decoyPasswordHash, verifyPassword } from '../identity/passwords.ts';
import { readBody } from '../http/readBody/index.ts';
import {
  clearSessionCookie,
  readDeviceCookie,
  setDeviceCookie,
  setSessionCookie,
} from '../identity/sessionCookie.ts';
import { toAuthUser } from '../identity/UserStore.ts';
import { AcceptTermsRequest, LoginRequest, ProfileRequest } from '@desk/protocol/rest';

/**
 * `Clear-Site-Data` for the HTTP cache only: cookies (the session) and storage (the replicas
 * of other accounts on this device, the app shell) are the page's to manage.
 */
const CLEAR_HTTP_CACHE = '"cache"';

/** Log in, log out (here or everywhere), who am I, profile, terms acceptance, HTTP cache. */
export function installLoginRoutes(app: Hono, services: AuthServices): void {
  const { config } = services;
  const { audit, devices, loginThrottle, sessions, users, terms, transactions } = services.control;

  app.post('/api/auth/login', async (c) => {
    const body = await readBody(c, LoginRequest);
    const client = clientInfo(c);
    const email = normalizeEmail(body.email);
    const user = await users.byEmail(email);
    const deviceToken = readDeviceCookie(c);
    const deviceId = await devices.recognise(deviceToken, user?.id);
    // A known device answers only to its own failures; any other client to those of its
    // address, of the account from its address, and to the account's overall ceiling.
    // The key a success clears: this client's own record with the account.
    const own: ThrottleKey = deviceId
      ? { key: loginKeys.device(deviceId), backoff: loginBackoff.perKnownDevice }
      : {
          key: loginKeys.accountFromAddress(email, client.ip),
          backoff: loginBackoff.perAccountAndAddress,
        };
    const attempt = await loginThrottle.begin(
      deviceId
        ? [own]
        : [
            own,
            { key: loginKeys.address(client.ip), backoff: loginBackoff.perAddress },
            { key: loginKeys.account(email), backoff: loginBackoff.perAccount },
          ],
    );

    // Verify against a decoy when there is no such user: same time, same answer.
    const ok = await verifyPassword(
      user?.passwordHash ?? (await decoyPasswordHash()),
      body.password,
    );
    if (!user || !ok) {
      throw new AppError(ErrorCode.invalidCredentials, 401, 'The email or password is wrong.');
    }
    await loginThrottle.succeeded(attempt, [own.key]);
    // Only after the password proved the caller owns the account do we say more about it.
    if (user.status === 'suspended') {
      throw new AppError(
        ErrorCode.accountSuspended,
        403,
        'This account is suspended. Contact the operator of this service.',
      );
    }
    if (user.mustResetPassword) {
      throw new AppError(
        ErrorCode.passwordResetRequired,
        403,
        'This account is locked until its password is reset. Use "Forgot password" to get a link.',
      );
    }
    const session = await sessions.create(user.id, client);
    setSessionCookie(c, config, session.token, session.expiresAt);
    const device = await devices.remember(user.id, deviceToken);
    setDeviceCookie(c, config, device.token, device.expiresAt);
    const auth: AuthContext = { user: toAuthUser(user), session: { id: session.id }, token: null };
    return c.json(await mePayload(services, auth));
  });

  // Idempotent: logging out without a (valid) session just clears the cookie.
  app.post('/api/auth/logout', async (c) => {
    const auth = c.get('auth');
    if (auth?.session) await sessions.endOne(auth.user.id, auth.session.id);
    clearSessionCookie(c, config);
    c.header('Clear-Site-Data', CLEAR_HTTP_CACHE);
    return c.body(null, 204);
  });

  // A device that lost a workspace deletes its replica itself; the attachment files it was
  // shown stay in the browser's HTTP cache (they are cached a year, private), which a page
  // cannot reach. This answer tells the browser to empty that cache (issue 16). No session
  // needed: a removed member, a revoked session, a deleted workspace all call it.
  app.post('/api/auth/clear-http-cache', (c) => {
    c.header('Clear-Site-Data', CLEAR_HTTP_CACHE);
    return c.body(null, 204);
  });

  app.post('/api/auth/logout-everywhere', requireSession, async (c) => {
    const auth = authOf(c);
    const ended = await sessions.endAllForUser(auth.user.id);
    clearSessionCookie(c, config);
    return c.json({ sessionsEnded: ended });
  });

  app.get('/api/auth/me', requireUser, async (c) => c.json(await mePayload(services, authOf(c))));

  app.patch('/api/auth/me', requireSession, async (c) => {
    const auth = authOf(c);
    const body = await readBody(c, ProfileRequest);
    const user = await users.byId(auth.user.id);
    if (!user) throw AppError.unauthenticated();
    const phone = body.phone === undefined ? user.phone : body.phone || null;
    await transactions.write(async () => {
      await users.updateProfile(user.id, {
        displayName: body.displayName ?? user.displayName,
        phone,
      });
      // Terms §3: the phone number is kept for announcements only, by the user's choice; the
      // log records that choice (given, changed, removed), never the number itself.
      if (phone !== user.phone) {
        await audit.record({
          actor: { kind: 'user', userId: user.id },
          action: 'profile.phone_changed',
          target: { kind: 'user', id: user.id },
          details: {
            change: phone === null ? 'removed' : user.phone === null ? 'given' : 'changed',
          },
        });
      }
    });
    return c.json(await mePayload(services, auth));
  });

  app.post('/api/auth/terms', requireSession, async (c) => {
    const auth = authOf(c);
    const body = await readBody(c, AcceptTermsRequest);
    // The version in force or a published later one (accepted before its effective date).
    const inForce = await terms.inForce();
    const version = /^\d+$/.test(body.version) ? await terms.get(Number(body.version)) : null;
    if (!version || version.version < inForce.version) {
      throw AppError.badRequest('These are not the terms in force; reload and read them again.', {
        version: `The current version is ${inForce.version}.`,
      });
    }
    const ip = clientInfo(c).ip;
    await transactions.write(async () => {
      // Accepting again changes nothing and writes no second entry.
      if ((await terms.acceptedBy(auth.user.id)) >= version.version) return;
      await terms.accept({ userId: auth.user.id, version: version.version, ip });
      await audit.record({
        actor: { kind: 'user', userId: auth.user.id },
        action: 'terms.accepted',
        target: { kind: 'terms_version', id: String(version.version) },
        details: { version: String(version.version), ip },
      });
    });
    return c.json(await mePayload(services, auth));
  });
}
