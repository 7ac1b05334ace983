import type { WorkspaceSession } from '$lib/desk/WorkspaceSession.svelte.ts';
import type { OfflineWorkspace } from './OfflineStatus.svelte.ts';

/** The desk's open workspace, as the offline layer sees it (call once the session is ready). */
export function offlineWorkspaceOf(session: WorkspaceSession): OfflineWorkspace {
  const workspace = session.workspace;
  const me = session.me;
  if (!workspace || !me) throw new Error('The workspace session is not ready.');
  return {
    slug: session.slug,
    workspaceId: workspace.id,
    userId: me.id,
    get actor() {
      return session.actor;
    },
    index: session.index,
    withTicketDoc: (ticketId, action) => session.withTicketDoc(ticketId, action),
  };
}
