import type { Hono } from 'hono';
import type { ServerContext } from '../ServerContext.ts';
import { ShutdownPhase } from '../lifecycle/ShutdownHooks.ts';
import { installMailboxRoutes } from '../mail/mailboxRoutes.ts';
import { installAccessTokenRoutes } from './accessTokenRoutes.ts';
import { createAuthServices } from './AuthServices.ts';
import { installLoginRoutes } from './loginRoutes.ts';
import { installAuthContext } from '../identity/middleware.ts';
import { installPasswordRoutes } from './passwordRoutes.ts';
import { installSessionRoutes } from './sessionRoutes.ts';
import { installSignupRoutes } from './signupRoutes.ts';
import { installUnauthorizedUseRoutes } from './unauthorizedUseRoutes.ts';

/**
 * Accounts, sessions and mail. Call before every other module's routes: it installs the
 * middleware that sets `c.var.auth` and the Origin check, which only apply to routes added
 * after them.
 */
export function installAuth(app: Hono, ctx: ServerContext): void {
  installAuthContext(app, ctx);
  // Answers about accounts (and freshly minted tokens) must not sit in any cache.
  app.use('/api/auth/*', async (c, next) => {
    await next();
    c.header('Cache-Control', 'no-store');
  });
  const services = createAuthServices(ctx);
  installSignupRoutes(app, services);
  installLoginRoutes(app, services);
  installSessionRoutes(app, services);
  installPasswordRoutes(app, services);
  installUnauthorizedUseRoutes(app, services);
  installAccessTokenRoutes(app, services);
  installMailboxRoutes(app, ctx);

  // Keys that are never used again (random emails in a spraying attack) are only removed
  // by this sweep; hourly is plenty for a table of recent attempts.
  const sweep = setInterval(
    () => {
      try {
        services.limiter.sweep();
        services.devices.sweep();
      } catch (err) {
        ctx.log.error({ err }, 'rate limit sweep failed');
      }
    },
    60 * 60 * 1000,
  );
  sweep.unref();
  ctx.shutdown.add(ShutdownPhase.flush, 'rate limit sweep', () => clearInterval(sweep));
}
