import { createHash } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { allowedOrigins } from '../allowedOrigins/index.ts';
import type { Config } from '../../config/config.ts';

/**
 * The security headers of every response (issue 12.4). The Content-Security-Policy is what
 * the built app needs and nothing more, so an injected script (stored XSS through a ticket
 * title, a comment, a file name) does not run, cannot phone home and cannot frame us.
 */

/** HSTS lifetime: one year, the usual minimum for browsers' preload lists. */
const HSTS_MAX_AGE_SECONDS = 365 * 24 * 60 * 60;

/** The parts of the configuration the headers depend on. */
export type SecurityHeadersConfig = Pick<Config, 'PUBLIC_URL' | 'BASE_DOMAIN'>;

/**
 * The WebSocket origins of the app's own origins: PUBLIC_URL's (and its loopback spellings,
 * as `allowedOrigins` accepts them) and, with BASE_DOMAIN, every workspace host. CSP's
 * 'self' matches the page's own ws:/wss: origin only in CSP Level 3 browsers; naming them
 * keeps older ones connected too.
 */
export function webSocketSources(config: SecurityHeadersConfig): string[] {
  const sources = [...allowedOrigins(config as Config)]
    // CSP host sources cannot name an IPv6 literal (Chromium drops `ws://[::1]:3000` with a
    // console error); a page opened at [::1] still has 'self'.
    .filter((origin) => !new URL(origin).hostname.startsWith('['))
    .map((origin) => origin.replace(/^http/, 'ws'));
  if (config.BASE_DOMAIN) {
    const ws = new URL(config.PUBLIC_URL).protocol === 'https:' ? 'wss:' : 'ws:';
    sources.push(`${ws}//*.${config.BASE_DOMAIN}`);
  }
  return sources;
}

/**
 * The policy. `scriptHashes` are the `sha256-…` sources of the inline scripts of the page
 * being served (SvelteKit's bootstrap script in index.html; see `inlineScriptHashes`).
 */
export function contentSecurityPolicy(
  config: SecurityHeadersConfig,
  scriptHashes: readonly string[] = [],
): string {
  const directives: [string, ...string[]][] = [
    ['default-src', "'self'"],
    // Our own files, plus the exact inline bootstrap script(s) of index.html; never
    // 'unsafe-inline' or 'unsafe-eval'.
    ['script-src', "'self'", ...scriptHashes.map((hash) => `'${hash}'`)],
    // Style sheets only from our files: Tiptap's injected <style> is turned off and its rules
    // ship in our CSS (RichTextEditor.svelte), so no inline <style> element is needed.
    ['style-src', "'self'"],
    ['style-src-elem', "'self'"],
    // Inline style *attributes* are needed: SvelteKit's `<div style="display: contents">` in
    // index.html, style="" in Svelte templates, and y-prosemirror's collaboration cursors
    // (setAttribute('style')). Attributes cannot load anything or run script; style
    // elements (selector-based exfiltration) stay blocked above.
    ['style-src-attr', "'unsafe-inline'"],
    // Attachments and avatars come from our API; nothing uses data: or blob: images.
    ['img-src', "'self'"],
    ['media-src', "'self'"],
    ['font-src', "'self'"],
    ['connect-src', "'self'", ...webSocketSources(config)],
    // The offline service worker (/service-worker.js).
    ['worker-src', "'self'"],
    ['manifest-src', "'self'"],
    ['object-src', "'none'"],
    ['frame-src', "'none'"],
    ['frame-ancestors', "'none'"],
    ['base-uri', "'self'"],
    ['form-action', "'self'"],
  ];
  return directives.map((parts) => parts.join(' ')).join('; ');
}

/**
 * The CSP hash sources (`sha256-<base64>`) of the inline `<script>` elements of an HTML page,
 * computed over the exact text between the tags as the browser does.
 */
export function inlineScriptHashes(html: string): string[] {
  const hashes: string[] = [];
  for (const match of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi)) {
    const [, attributes = '', body = ''] = match;
    if (/\bsrc\s*=/i.test(attributes)) continue;
    hashes.push(`sha256-${createHash('sha256').update(body, 'utf8').digest('base64')}`);
  }
  return hashes;
}

export interface SecurityHeadersOptions {
  readonly config: SecurityHeadersConfig;
  /** The inline script hashes of the app shell as it is on disk now (it changes on deploy). */
  readonly scriptHashes: () => readonly string[];
}

/**
 * Sets the headers on every response, after the handler: a route that set its own
 * Content-Security-Policy (an uploaded file is served sandboxed) keeps it.
 */
export function securityHeaders({
  config,
  scriptHashes,
}: SecurityHeadersOptions): MiddlewareHandler {
  const https = new URL(config.PUBLIC_URL).protocol === 'https:';
  return async (c, next) => {
    await next();
    // c.header, not c.res.headers.set: a finished response's headers may be immutable.
    if (!c.res.headers.has('Content-Security-Policy')) {
      c.header('Content-Security-Policy', contentSecurityPolicy(config, scriptHashes()));
    }
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'strict-origin-when-cross-origin');
    // Only over https: a browser ignores it on http, and PUBLIC_URL says which we are.
    if (https) {
      c.header('Strict-Transport-Security', `max-age=${HSTS_MAX_AGE_SECONDS}; includeSubDomains`);
    }
  };
}
