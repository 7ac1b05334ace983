import path from 'node:path';
import type { Context, Hono } from 'hono';
import { serveStatic } from '@hono/node-server/serve-static';
import type { ServerContext } from '../ServerContext.ts';
import type { AppShell } from './AppShell.ts';

/**
 * Serves the built SvelteKit app, with its SPA fallback (`index.html`) for navigations to
 * every path that is not a file, the API or a WebSocket endpoint. Hashed assets are cached
 * forever; the fallback never, so a new release is picked up on the next load.
 *
 * A file that is not there is a 404, never the fallback (issue 18.4): a tab opened before a
 * deploy asks for the old build's `/_app/immutable/….js`, and index.html in its place
 * would break the page on a MIME error instead of failing a request the app can handle.
 */
export function installStaticApp(app: Hono, ctx: ServerContext, shell: AppShell): void {
  const root = ctx.config.WEB_DIR;
  if (!shell.page()) {
    ctx.log.warn({ root }, 'web app not built; run `pnpm build` (pnpm start does it for you)');
  }
  const relativeRoot = path.relative(process.cwd(), root) || '.';

  app.use('/_app/immutable/*', async (c, next) => {
    await next();
    if (c.res.ok) c.header('Cache-Control', 'public, max-age=31536000, immutable');
  });
  // The build writes each asset beside its Brotli and gzip copies (adapter-static's
  // `precompress`): a browser that accepts them gets the small one (the app's one script,
  // ~1 MB, is ~4× smaller), with no compression work per request. Only for the hashed
  // files, whose content never changes under their name: a file replaced in place
  // (`version.json` by a deploy) must never be answered with its old compressed copy.
  app.use('/_app/immutable/*', serveStatic({ root: relativeRoot, precompressed: true }));
  app.use('*', serveStatic({ root: relativeRoot }));
  app.get('*', (c) => {
    const p = c.req.path;
    if (p.startsWith('/api/') || p === '/api') {
      return c.json({ error: { code: 'not_found', message: 'No such API route.' } }, 404);
    }
    if (isMissingFile(c)) {
      c.header('Cache-Control', 'no-store');
      return c.text('No such file.', 404);
    }
    const page = shell.page();
    if (!page) return c.text('The web app is not built yet. Run `pnpm build`.', 503);
    c.header('Cache-Control', 'no-cache');
    return c.html(page.html);
  });
}

/** A last path segment such as `start.CAk5A2H2.js` or `favicon.svg`; app routes have none. */
const fileExtension = /\.[A-Za-z0-9]{1,10}$/;

/**
 * Whether the request asks for a file that serveStatic did not find, rather than an app route:
 * anything under `/_app/` (the build's own folder), and any path with a file extension that
 * is not a navigation (a navigation to a route always gets the app, which shows its own
 * "not found").
 */
function isMissingFile(c: Context): boolean {
  const p = c.req.path;
  if (p.startsWith('/_app/')) return true;
  return fileExtension.test(p) && !isNavigation(c);
}

/** A top-level page load: `Sec-Fetch-Mode: navigate`, or, without it, a request for HTML. */
function isNavigation(c: Context): boolean {
  const mode = c.req.header('sec-fetch-mode');
  if (mode !== undefined) return mode === 'navigate';
  return c.req.header('accept')?.includes('text/html') ?? false;
}
