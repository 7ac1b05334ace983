import type { Config } from '../../config/config.ts';

const loopbackHosts = ['localhost', '127.0.0.1', '[::1]'];

/**
 * The origins whose state-changing requests and cookie WebSockets we accept: PUBLIC_URL's.
 * When PUBLIC_URL is a loopback address (the default, `http://localhost:3000`), the other
 * spellings of loopback on the same port count too, so opening http://127.0.0.1:3000 on
 * a fresh install works. No other site can be served from those origins.
 */
export function allowedOrigins(config: Config): ReadonlySet<string> {
  const url = new URL(config.PUBLIC_URL);
  const origins = new Set([url.origin]);
  if (loopbackHosts.includes(url.hostname)) {
    for (const host of loopbackHosts) {
      origins.add(`${url.protocol}//${host}${url.port ? `:${url.port}` : ''}`);
    }
  }
  return origins;
}

/** One DNS label that can be a workspace slug. */
const workspaceLabel = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Whether a request's Origin is ours: PUBLIC_URL's (see `allowedOrigins`) or, when
 * BASE_DOMAIN is set, a workspace host `<slug>.<BASE_DOMAIN>` on PUBLIC_URL's scheme. Only
 * one label deep: `a.b.<BASE_DOMAIN>` is not a workspace host.
 */
export function isAllowedOrigin(config: Config, origin: string | undefined): boolean {
  if (origin === undefined) return false;
  if (allowedOrigins(config).has(origin)) return true;
  const label = workspaceLabelOf(config, origin);
  return label !== null;
}

/** The workspace label of a `<slug>.<BASE_DOMAIN>` origin or host, or null. */
export function workspaceLabelOf(config: Config, originOrHost: string): string | null {
  if (!config.BASE_DOMAIN) return null;
  let host = originOrHost;
  if (originOrHost.includes('://')) {
    let url: URL;
    try {
      url = new URL(originOrHost);
    } catch {
      return null;
    }
    if (url.protocol !== new URL(config.PUBLIC_URL).protocol) return null;
    host = url.host;
  }
  const suffix = `.${config.BASE_DOMAIN}`;
  if (!host.endsWith(suffix)) return null;
  const label = host.slice(0, -suffix.length);
  return workspaceLabel.test(label) ? label : null;
}

/**
 * The Domain attribute for the session cookie: BASE_DOMAIN's host name when the request
 * came to BASE_DOMAIN or one of its workspace hosts, so one login covers every workspace
 * host; otherwise none (a host-only cookie).
 */
export function sessionCookieDomain(
  config: Config,
  requestHost: string | undefined,
): string | undefined {
  if (!config.BASE_DOMAIN || requestHost === undefined) return undefined;
  const base = config.BASE_DOMAIN;
  if (requestHost !== base && workspaceLabelOf(config, requestHost) === null) return undefined;
  return base.replace(/:\d+$/, '');
}
