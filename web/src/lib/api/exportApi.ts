import type { ExportListResponse, ExportResponse } from '@desk/protocol';
import { api } from './api.ts';

const base = (slug: string) => `/api/workspaces/${encodeURIComponent(slug)}/exports`;

/** REST calls of workspace export (`/api/workspaces/:slug/exports…`). */
export const exportApi = {
  list: (slug: string) => api<ExportListResponse>(base(slug)),
  request: (slug: string) => api<ExportResponse>(base(slug), { method: 'POST', body: {} }),
  /** The zip's address: a plain link downloads it with the session cookie. */
  downloadUrl: (slug: string, id: string) => `${base(slug)}/${encodeURIComponent(id)}/download`,
};
