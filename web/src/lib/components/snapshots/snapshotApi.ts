import type {
  RestoreRequest,
  RestoreResponse,
  SnapshotContentsResponse,
  SnapshotDiffResponse,
  SnapshotListResponse,
  SnapshotNoticeResponse,
  SnapshotSummary,
  SnapshotTicketResponse,
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
};

function base(slug: string): string {
  return `/api/workspaces/${encodeURIComponent(slug)}/snapshots`;
}

export function formatWhen(at: number): string {
  return new Date(at).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
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
