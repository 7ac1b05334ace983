import type { Hono } from 'hono';
import { installHostRouting } from './hostRouting.ts';
import { installInvitationRoutes } from './invitationRoutes.ts';
import { installMemberRoutes } from './memberRoutes.ts';
import type { WorkspaceRouteDeps } from './WorkspaceRouteDeps.ts';
import { installWorkspaceRoutes } from './workspaceRoutes.ts';

/** Workspaces, members, invitations and host-based addresses (`<slug>.<BASE_DOMAIN>`). */
export function installWorkspaces(app: Hono, ctx: WorkspaceRouteDeps): void {
  installHostRouting(app, ctx);
  installWorkspaceRoutes(app, ctx);
  installMemberRoutes(app, ctx);
  installInvitationRoutes(app, ctx);
}
