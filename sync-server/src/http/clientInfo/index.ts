import type { Context } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';

/**
 * The peer's address and user agent, for the session list and rate limits. The address is
 * the TCP peer: behind a reverse proxy every request shares the proxy's address, so rate
 * limits per IP become per proxy (deliberately: X-Forwarded-For is trivially forged unless a
 * trusted proxy is configured, which this release does not do).
 */
export function clientInfo(c: Context): { ip: string | null; userAgent: string | null } {
  let ip: string | null = null;
  try {
    ip = getConnInfo(c).remote.address ?? null;
  } catch {
    // Requests made with app.request() in-process have no socket; nothing to record.
  }
  return { ip: ip ? normalizeIp(ip) : null, userAgent: c.req.header('user-agent') ?? null };
}

/** `::ffff:127.0.0.1` and `127.0.0.1` are the same peer. */
function normalizeIp(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice('::ffff:'.length) : ip;
}

export function isLoopback(ip: string | null): boolean {
  return ip !== null && (ip === '::1' || ip.startsWith('127.'));
}
