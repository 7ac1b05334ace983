import { docIds } from '@desk/model';
import type { OfflineWorkspace } from '$lib/offline/OfflineStatus.svelte.ts';
import type { DeskWorkspace } from './DeskWorkspace.svelte.ts';

/** The desk's open workspace, as the offline layer sees it (call once the desk is ready). */
export function offlineWorkspaceOf(desk: DeskWorkspace): OfflineWorkspace {
  const workspace = desk.workspace;
  const me = desk.me;
  if (!workspace || !me) throw new Error('The desk workspace is not ready.');
  return {
    slug: desk.slug,
    workspaceId: workspace.id,
    userId: me.id,
    get actor() {
      return desk.actor;
    },
    index: desk.index,
    ticketSummaries: () => [
      ...desk.index.tickets.all(),
      ...desk.archive.shards().flatMap((shard) => shard.all()),
    ],
    archiveDocIds: () => desk.archive.months.map((month) => docIds.archive(workspace.id, month)),
    loadArchive: () => desk.archive.loadAll(),
    withTicketDoc: (ticketId, action) => desk.withTicketDoc(ticketId, action),
    disabledAttachment: (sha256) => desk.disabled.attachment(sha256),
  };
}
