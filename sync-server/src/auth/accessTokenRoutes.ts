import type { Hono } from 'hono';
import { AppError } from '../http/AppError.ts';
import { authOf, requireSession } from '../identity/middleware.ts';
import { readBody } from '../http/readBody/index.ts';
import { CreateAccessTokenRequest } from '@desk/protocol/rest';
import type { AsyncAccessTokenStore } from '../identity/AccessTokenStore.ts';
import type { AsyncWorkspaceStore } from '../workspaces/WorkspaceStore.ts';

const day = 24 * 60 * 60 * 1000;

/**
 * What the token routes need: the stores as async interfaces (issue 19) — the SQLite stores
 * wrapped today (installAuth), the PostgreSQL ones without change here.
 */
export interface AccessTokenRouteDeps {
  readonly now: () => number;
  readonly tokens: AsyncAccessTokenStore;
  readonly workspaces: Pick<AsyncWorkspaceStore, 'ofUser'>;
}

/** Personal access tokens: list, create (the secret is shown once), revoke. */
export function installAccessTokenRoutes(
  app: Hono,
  { now, tokens, workspaces }: AccessTokenRouteDeps,
): void {
  app.get('/api/auth/tokens', requireSession, async (c) => {
    return c.json({ tokens: await tokens.listForUser(authOf(c).user.id) });
  });

  app.post('/api/auth/tokens', requireSession, async (c) => {
    const auth = authOf(c);
    const body = await readBody(c, CreateAccessTokenRequest);
    const workspace = (await workspaces.ofUser(auth.user.id)).find(
      (w) => w.id === body.workspaceId,
    );
    if (!workspace) {
      throw AppError.badRequest('You are not a member of that workspace.', {
        workspaceId: 'Choose a workspace you belong to.',
      });
    }
    const expiresAt = body.expiresInDays ? now() + body.expiresInDays * day : null;
    const created = await tokens.create({
      userId: auth.user.id,
      workspaceId: workspace.id,
      name: body.name,
      expiresAt,
    });
    return c.json(
      {
        id: created.id,
        name: body.name,
        workspaceId: workspace.id,
        workspaceSlug: workspace.slug,
        expiresAt,
        // The only time the secret leaves the server; we keep just its hash.
        token: created.token,
      },
      201,
    );
  });

  app.delete('/api/auth/tokens/:id', requireSession, async (c) => {
    if (!(await tokens.revoke(authOf(c).user.id, c.req.param('id')))) {
      throw AppError.notFound('No such token.');
    }
    return c.body(null, 204);
  });
}
