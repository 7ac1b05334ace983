import type { Hono } from 'hono';
import type { ServerContext } from '../ServerContext.ts';
import { installHostRouting } from './hostRouting.ts';
import { installInvitationRoutes } from './invitationRoutes.ts';
import { installMemberRoutes } from './memberRoutes.ts';
import { installWorkspaceRoutes } from './workspaceRoutes.ts';

/** Workspaces, members, invitations and host-based addresses (`<slug>.<BASE_DOMAIN>`). */
export function installWorkspaces(app: Hono, ctx: ServerContext): void {
  installHostRouting(app, ctx);
  installWorkspaceRoutes(app, ctx);
  installMemberRoutes(app, ctx);
  installInvitationRoutes(app, ctx);
}
