import type { Hono } from 'hono';
import type { ServerContext } from '../ServerContext.ts';
import { reservedSlugs, slugPattern } from './slug.ts';

/**
 * The workspace a request's Host names when BASE_DOMAIN is set: `acme.desk.example.com`
 * → `acme`. The base domain itself, reserved labels (www, api…) and anything that is not a
 * single valid label give null. A BASE_DOMAIN with a port matches the Host with its port.
 */
export function slugFromHost(
  host: string | undefined,
  baseDomain: string | undefined,
): string | null {
  if (!host || !baseDomain) return null;
  const base = baseDomain.toLowerCase();
  let candidate = host.toLowerCase();
  if (!base.includes(':')) candidate = candidate.replace(/:\d+$/, '');
  const suffix = `.${base}`;
  if (!candidate.endsWith(suffix)) return null;
  const label = candidate.slice(0, -suffix.length);
  if (!slugPattern.test(label) || reservedSlugs.has(label)) return null;
  return label;
}

/**
 * Workspaces at `<slug>.<BASE_DOMAIN>`: the same app answers every host. The app asks
 * `GET /api/host` which workspace its host names, and a visit to the root of a workspace
 * host goes to that workspace's pages (`/w/<slug>`), so every page works on both addresses.
 */
export function installHostRouting(app: Hono, ctx: ServerContext): void {
  const baseDomain = ctx.config.BASE_DOMAIN;

  app.get('/api/host', (c) =>
    c.json({
      baseDomain: baseDomain ?? null,
      workspaceSlug: slugFromHost(c.req.header('host'), baseDomain),
    }),
  );

  if (!baseDomain) return;
  app.get('/', async (c, next) => {
    const slug = slugFromHost(c.req.header('host'), baseDomain);
    if (!slug) return next();
    return c.redirect(`/w/${slug}`, 302);
  });
}
