import type { Hono } from 'hono';
import type { ServerContext } from '../ServerContext.ts';
import { migrations } from '../db/migrations/index.ts';
import { schemaVersion } from '../db/migrate.ts';

/**
 * `/healthz`: the process is up and answering. `/readyz`: it can serve users — the
 * database answers and its schema is the one this code expects — and is not shutting down.
 */
export function installHealthRoutes(app: Hono, ctx: ServerContext): void {
  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  app.get('/readyz', (c) => {
    if (ctx.shutdown.started) return c.json({ status: 'shutting_down' }, 503);
    try {
      const version = schemaVersion(ctx.db);
      const expected = migrations.at(-1)?.version ?? 0;
      if (version !== expected) {
        return c.json({ status: 'migrations_pending', version, expected }, 503);
      }
      return c.json({ status: 'ready', schemaVersion: version });
    } catch (err) {
      ctx.log.error({ err }, 'readiness check failed');
      return c.json({ status: 'database_unavailable' }, 503);
    }
  });
}
