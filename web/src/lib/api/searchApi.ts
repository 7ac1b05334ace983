import type { TicketSearchHit, TicketSearchResponse } from '@desk/protocol';
import { api } from './api.ts';

/** The server's search over the workspace's tickets (those this device does not hold too). */
export async function searchTickets(
  slug: string,
  text: string,
  signal: AbortSignal,
  limit = 20,
): Promise<TicketSearchHit[]> {
  const query = new URLSearchParams({ q: text.slice(0, 200), limit: String(limit) });
  const path = `/api/workspaces/${encodeURIComponent(slug)}/search?${query.toString()}`;
  const body = await api<TicketSearchResponse>(path, { signal });
  return body.hits;
}
