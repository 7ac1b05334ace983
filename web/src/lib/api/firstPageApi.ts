import type { FirstPageResponse, FirstPageRow } from '@desk/protocol';
import { api } from './api.ts';

/**
 * The first rows of the default ticket list from the server's projection (issue 15): what a
 * new device paints while the workspace index syncs and decodes.
 */
export async function fetchFirstPage(slug: string, limit: number): Promise<FirstPageRow[]> {
  const path = `/api/workspaces/${encodeURIComponent(slug)}/tickets/first-page?limit=${limit}`;
  const body = await api<FirstPageResponse>(path);
  return body.rows;
}
