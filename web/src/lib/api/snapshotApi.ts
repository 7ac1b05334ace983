import type {
  CreateSnapshotResponse,
  RestoreRequest,
  RestoreResponse,
  SnapshotContentsResponse,
  SnapshotDiffResponse,
  SnapshotListResponse,
  SnapshotNoticeResponse,
  SnapshotTicketResponse,
  UndoRestoreResponse,
} from '@desk/protocol';
import { api } from './api.ts';

const base = (slug: string) => `/api/workspaces/${encodeURIComponent(slug)}/snapshots`;

/** REST calls of the snapshot pages (`/api/workspaces/:slug/snapshots…`). */
export const snapshotApi = {
  list: (slug: string) => api<SnapshotListResponse>(base(slug)),
  take: (slug: string, label: string) =>
    api<CreateSnapshotResponse>(base(slug), {
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
