import type {
  RestoreRequest,
  RestoreResponse,
  SnapshotContentsResponse,
  SnapshotDiffResponse,
  SnapshotListResponse,
  SnapshotNoticeResponse,
  SnapshotSummary,
  SnapshotTicketResponse,
  UndoRestoreResponse,
} from '@desk/protocol';
import { api } from '$lib/api/api.ts';

/** REST calls of the snapshot pages (`/api/workspaces/:slug/snapshots…`). */
export const snapshotApi = {
  list: (slug: string) => api<SnapshotListResponse>(base(slug)),
  take: (slug: string, label: string) =>
    api<{ snapshot: SnapshotSummary }>(base(slug), {
      method: 'POST',
      body: label.trim() ? { label: label.trim() } : {},
    }),
  contents: (slug: string, id: string) =>
    api<SnapshotContentsResponse>(`${base(slug)}/${encodeURIComponent(id)}`),
  diff: (slug: string, id: string) =>
    api<SnapshotDiffResponse>(`${base(slug)}/${encodeURIComponent(id)}/diff`),
  ticket: (slug: string, id: string, ticketId: string) =>
    api<SnapshotTicketResponse>(
      `${base(slug)}/${encodeURIComponent(id)}/tickets/${encodeURIComponent(ticketId)}`,
    ),
  notice: (slug: string, id: string, noticeId: string) =>
    api<SnapshotNoticeResponse>(
      `${base(slug)}/${encodeURIComponent(id)}/notices/${encodeURIComponent(noticeId)}`,
    ),
  restore: (slug: string, id: string, request: RestoreRequest) =>
    api<RestoreResponse>(`${base(slug)}/${encodeURIComponent(id)}/restore`, {
      method: 'POST',
      body: request,
    }),
  /** Undo the restore taken after `preRestoreSnapshotId`: only what it changed. */
  undo: (slug: string, preRestoreSnapshotId: string) =>
    api<UndoRestoreResponse>(`${base(slug)}/${encodeURIComponent(preRestoreSnapshotId)}/undo`, {
      method: 'POST',
      body: {},
    }),
};

function base(slug: string): string {
  return `/api/workspaces/${encodeURIComponent(slug)}/snapshots`;
}

export function formatWhen(at: number): string {
  return new Date(at).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** What a restore restored (`restoreOf.scope` of a pre-restore snapshot), in words. */
export function scopeWords(scope: string): string {
  if (scope === 'workspace') return 'the whole workspace';
  const [kind] = scope.split(':');
  return kind === 'ticket' ? 'a ticket' : 'a notice';
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export const triggerLabel: Record<SnapshotSummary['trigger'], string> = {
  schedule: 'Automatic',
  manual: 'Manual',
  pre_restore: 'Before a restore',
};
