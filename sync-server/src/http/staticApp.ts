import fs from 'node:fs';
import path from 'node:path';
import type { Hono } from 'hono';
import { serveStatic } from '@hono/node-server/serve-static';
import type { ServerContext } from '../ServerContext.ts';

/**
 * Serves the built SvelteKit app, with its SPA fallback (`index.html`) for every path that
 * is not a file, the API or a WebSocket endpoint. Hashed assets are cached forever; the
 * fallback never, so a new release is picked up on the next load.
 */
export function installStaticApp(app: Hono, ctx: ServerContext): void {
  const root = ctx.config.WEB_DIR;
  const fallback = path.join(root, 'index.html');
  if (!fs.existsSync(fallback)) {
    ctx.log.warn({ root }, 'web app not built; run `pnpm build` (pnpm start does it for you)');
  }
  const relativeRoot = path.relative(process.cwd(), root) || '.';

  app.use('/_app/immutable/*', async (c, next) => {
    await next();
    if (c.res.ok) c.header('Cache-Control', 'public, max-age=31536000, immutable');
  });
  app.use('*', serveStatic({ root: relativeRoot }));
  app.get('*', (c) => {
    const p = c.req.path;
    if (p.startsWith('/api/') || p === '/api') {
      return c.json({ error: { code: 'not_found', message: 'No such API route.' } }, 404);
    }
    if (!fs.existsSync(fallback)) {
      return c.text('The web app is not built yet. Run `pnpm build`.', 503);
    }
    c.header('Cache-Control', 'no-cache');
    return c.html(fs.readFileSync(fallback, 'utf8'));
  });
}
