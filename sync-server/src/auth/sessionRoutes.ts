import type { Hono } from 'hono';
import { AppError } from '../http/AppError.ts';
import type { AuthServices } from './AuthServices.ts';
import { authOf, requireSession } from '../identity/middleware.ts';
import { clearSessionCookie } from '../identity/sessionCookie.ts';

/** The session list (terms §2: see where you are logged in) and revoking one session. */
export function installSessionRoutes(app: Hono, services: AuthServices): void {
  const { config, sessions } = services;

  app.get('/api/auth/sessions', requireSession, (c) => {
    const auth = authOf(c);
    const list = sessions.listForUser(auth.user.id).map((s) => ({
      ...s,
      current: s.id === auth.session?.id,
    }));
    return c.json({ sessions: list });
  });

  app.delete('/api/auth/sessions/:id', requireSession, (c) => {
    const auth = authOf(c);
    const id = c.req.param('id');
    if (!sessions.endOne(auth.user.id, id)) throw AppError.notFound('No such session.');
    if (id === auth.session?.id) clearSessionCookie(c, config);
    return c.body(null, 204);
  });
}
