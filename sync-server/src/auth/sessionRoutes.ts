import type { Hono } from 'hono';
import type { Config } from '../config/config.ts';
import { AppError } from '../http/AppError.ts';
import type { AsyncSessionStore } from '../identity/SessionStore.ts';
import { authOf, requireSession } from '../identity/middleware.ts';
import { clearSessionCookie } from '../identity/sessionCookie.ts';

/**
 * What the session routes need. The sessions are the async interface (issue 19): the SQLite
 * store wrapped today (installAuth), a PostgreSQL `SqlSessionStore` without change here.
 */
export interface SessionRouteDeps {
  readonly config: Config;
  readonly sessions: AsyncSessionStore;
}

/** The session list (terms §2: see where you are logged in) and revoking one session. */
export function installSessionRoutes(app: Hono, { config, sessions }: SessionRouteDeps): void {
  app.get('/api/auth/sessions', requireSession, async (c) => {
    const auth = authOf(c);
    const list = (await sessions.listForUser(auth.user.id)).map((s) => ({
      ...s,
      current: s.id === auth.session?.id,
    }));
    return c.json({ sessions: list });
  });

  app.delete('/api/auth/sessions/:id', requireSession, async (c) => {
    const auth = authOf(c);
    const id = c.req.param('id');
    if (!(await sessions.endOne(auth.user.id, id))) throw AppError.notFound('No such session.');
    if (id === auth.session?.id) clearSessionCookie(c, config);
    return c.body(null, 204);
  });
}
