import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { parse } from 'hono/utils/cookie';
import type { Config } from '../config/config.ts';
import { sessionCookieDomain } from '../http/allowedOrigins/index.ts';

/** Name of the session cookie. */
export const SESSION_COOKIE = 'desk_session';

/** Browsers cap a cookie's lifetime at 400 days (RFC 6265bis), and Hono refuses more. */
export const MAX_COOKIE_LIFETIME_MS = 400 * 24 * 60 * 60 * 1000;

/**
 * The Expires date of a cookie ending at `expiresAt` (the server's clock). A browser reads it
 * on its wall clock, so it is capped against that: a server clock set ahead (tests move it
 * weeks on) must not turn a year-long device cookie into a refused one and a failed login.
 */
export function cookieExpiry(expiresAt: number, wallNow = Date.now()): Date {
  return new Date(Math.min(expiresAt, wallNow + MAX_COOKIE_LIFETIME_MS));
}

/** Secure only over https, so plain-http development on localhost still works. */
function isSecure(config: Config): boolean {
  return config.PUBLIC_URL.startsWith('https:');
}

/**
 * HttpOnly (scripts cannot read it), SameSite=Lax (not sent on cross-site POSTs; the Origin
 * check is the second line), Path=/, and expiring with the session.
 */
export function setSessionCookie(c: Context, config: Config, token: string, expiresAt: number) {
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'Lax',
    secure: isSecure(config),
    path: '/',
    expires: cookieExpiry(expiresAt),
    ...domainOf(c, config),
  });
}

export function clearSessionCookie(c: Context, config: Config): void {
  deleteCookie(c, SESSION_COOKIE, {
    httpOnly: true,
    sameSite: 'Lax',
    secure: isSecure(config),
    path: '/',
    ...domainOf(c, config),
  });
}

/** With BASE_DOMAIN, one cookie for the base host and every `<slug>.<BASE_DOMAIN>`. */
function domainOf(c: Context, config: Config): { domain?: string } {
  const domain = sessionCookieDomain(config, c.req.header('host'));
  return domain === undefined ? {} : { domain };
}

/** Name of the known-device cookie (KnownDevices). */
export const DEVICE_COOKIE = 'desk_device';
/** Only login reads it: no other request carries it. */
const DEVICE_COOKIE_PATH = '/api/auth/login';

/**
 * The long-lived known-device cookie: HttpOnly, SameSite=Lax, sent to the login route only.
 * It outlives logouts on purpose — it marks the browser, not a session.
 */
export function setDeviceCookie(c: Context, config: Config, token: string, expiresAt: number) {
  setCookie(c, DEVICE_COOKIE, token, {
    httpOnly: true,
    sameSite: 'Lax',
    secure: isSecure(config),
    path: DEVICE_COOKIE_PATH,
    expires: cookieExpiry(expiresAt),
    ...domainOf(c, config),
  });
}

export function readDeviceCookie(c: Context): string | undefined {
  return getCookie(c, DEVICE_COOKIE) || undefined;
}

export function readSessionCookie(c: Context): string | undefined {
  return getCookie(c, SESSION_COOKIE) || undefined;
}

/** For WebSocket upgrades, which arrive as raw Node requests. */
export function sessionTokenFromCookieHeader(cookieHeader: string | undefined): string | undefined {
  if (!cookieHeader) return undefined;
  return parse(cookieHeader, SESSION_COOKIE)[SESSION_COOKIE] || undefined;
}
