import type { Hono } from 'hono';
import type { ServerContext } from '../ServerContext.ts';
import { migrations } from '../db/migrations/index.ts';
import { DatabaseUnavailableError } from '../store/DatabaseUnavailableError.ts';

/** What the health routes read: shutdown state, the log, and the database's schema version. */
export interface HealthDeps extends Pick<ServerContext, 'shutdown' | 'log'> {
  /**
   * The highest migration applied to the database (throws when the database is unusable).
   * A network database answers asynchronously, and throws `DatabaseUnavailableError` while
   * it cannot be reached (a PostgreSQL restart): the process is then not ready, so a load
   * balancer sends its users to another process, and becomes ready again by itself.
   */
  readonly schemaVersion: () => number | Promise<number>;
  /** The version this build expects. @default the latest SQLite migration */
  readonly expectedSchemaVersion?: number;
}

/**
 * `/healthz`: the process is up and answering. `/readyz`: it can serve users — the
 * database answers and its schema is the one this code expects — and is not shutting down.
 */
export function installHealthRoutes(app: Hono, ctx: HealthDeps): void {
  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  app.get('/readyz', async (c) => {
    if (ctx.shutdown.started) return c.json({ status: 'shutting_down' }, 503);
    try {
      const version = await ctx.schemaVersion();
      const expected = ctx.expectedSchemaVersion ?? migrations.at(-1)?.version ?? 0;
      if (version !== expected) {
        return c.json({ status: 'migrations_pending', version, expected }, 503);
      }
      return c.json({ status: 'ready', schemaVersion: version });
    } catch (err) {
      // Expected while PostgreSQL restarts (probes ask every few seconds): a warning, not an error.
      if (err instanceof DatabaseUnavailableError)
        ctx.log.warn({ err }, 'not ready: database unavailable');
      else ctx.log.error({ err }, 'readiness check failed');
      return c.json({ status: 'database_unavailable' }, 503);
    }
  });
}
