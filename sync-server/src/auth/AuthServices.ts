import type { ServerContext } from '../ServerContext.ts';
import { AccessTokenStore } from '../identity/AccessTokenStore.ts';
import { KnownDevices } from './KnownDevices.ts';
import { LoginThrottle } from './LoginThrottle.ts';
import { PasswordResets } from './PasswordResets.ts';
import { RateLimiter } from '../http/rateLimit/index.ts';
import { SessionStore } from '../identity/SessionStore.ts';

/** The stores the account routes share; built once in `installAuth`. */
export interface AuthServices {
  readonly ctx: ServerContext;
  readonly sessions: SessionStore;
  readonly tokens: AccessTokenStore;
  readonly resets: PasswordResets;
  readonly limiter: RateLimiter;
  readonly loginThrottle: LoginThrottle;
  readonly devices: KnownDevices;
}

export function createAuthServices(ctx: ServerContext): AuthServices {
  return {
    ctx,
    sessions: new SessionStore(ctx),
    tokens: new AccessTokenStore(ctx),
    resets: new PasswordResets(ctx.db, ctx.now),
    limiter: new RateLimiter(ctx.db, ctx.now),
    loginThrottle: new LoginThrottle(ctx.db, ctx.now),
    devices: new KnownDevices(ctx.db, ctx.now),
  };
}
