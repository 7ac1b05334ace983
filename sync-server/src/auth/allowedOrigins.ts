import type { Config } from '../config/config.ts';

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
