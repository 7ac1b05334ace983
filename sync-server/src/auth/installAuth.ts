import type { Hono } from 'hono';
import { ShutdownPhase } from '../lifecycle/ShutdownHooks.ts';
import { installAccessTokenRoutes } from './accessTokenRoutes.ts';
import { installAccountDeletionRoutes } from './accountDeletionRoutes.ts';
import type { AuthServices } from './AuthServices.ts';
import { installLoginRoutes } from './loginRoutes.ts';
import { installPasswordRoutes } from './passwordRoutes.ts';
import { installSessionRoutes } from './sessionRoutes.ts';
import { installSignupRoutes } from './signupRoutes.ts';
import { installUnauthorizedUseRoutes } from './unauthorizedUseRoutes.ts';

/** The sweep of old attempts' name on the process's `JobLease`. */
export const RATE_LIMIT_SWEEP_JOB = 'rate-limit-sweep';

/**
 * The account routes under /api/auth (sign-up, login, password, sessions, tokens, reports
 * of unauthorized use). Install after `installAuthContext` (identity/middleware.ts), which
 * sets `c.var.auth` and checks the Origin for every later route.
 */
export function installAuth(app: Hono, services: AuthServices): void {
  // Answers about accounts (and freshly minted tokens) must not sit in any cache.
  app.use('/api/auth/*', async (c, next) => {
    await next();
    c.header('Cache-Control', 'no-store');
  });
  installSignupRoutes(app, services);
  installLoginRoutes(app, services);
  installSessionRoutes(app, { config: services.config, sessions: services.control.sessions });
  installPasswordRoutes(app, services);
  installUnauthorizedUseRoutes(app, services);
  installAccessTokenRoutes(app, { now: services.now, ...services.control });
  installAccountDeletionRoutes(app, services);

  // Keys that are never used again (random emails in a spraying attack) are only removed
  // by this sweep; hourly is plenty for a table of recent attempts.
  // One process of a cluster at a time (the job lease): the tables are shared.
  const sweep = setInterval(
    () => {
      services.jobLease
        .runOnce(RATE_LIMIT_SWEEP_JOB, async () => {
          await services.limiter.sweep();
          // control's: on a cluster the devices every process records are PostgreSQL's.
          await services.control.devices.sweep();
        })
        .catch((err: unknown) => services.log.error({ err }, 'rate limit sweep failed'));
    },
    60 * 60 * 1000,
  );
  sweep.unref();
  services.shutdown.add(ShutdownPhase.flush, 'rate limit sweep', () => clearInterval(sweep));
}
