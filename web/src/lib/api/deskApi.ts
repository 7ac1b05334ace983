import { ErrorCode } from '@desk/protocol';
import type { Me, StoredBlob, TicketNumberBlock, WorkspacePayload } from '@desk/protocol';
import type { AttachmentRef } from '@desk/model';
import { refuseUpload } from './uploadLimits.ts';
import { api, ApiError, toApiError } from './api.ts';

/** The desk's own calls: who am I, the workspace and its members, ticket numbers, attachments. */
export const fetchMe = () => api<Me>('/api/auth/me');

export const fetchWorkspace = (slug: string) =>
  api<WorkspacePayload>(`/api/workspaces/${encodeURIComponent(slug)}`);

export const reserveTicketNumbers = (slug: string) =>
  api<TicketNumberBlock>(`/api/workspaces/${encodeURIComponent(slug)}/ticket-numbers`, {
    method: 'POST',
    body: {},
  });

export function blobUrl(slug: string, sha256: string, download = false): string {
  return `/api/workspaces/${encodeURIComponent(slug)}/blobs/${sha256}${download ? '?download=1' : ''}`;
}

/** A small WebP of an image attachment (made by the server after upload; 404 for other files). */
export function thumbnailUrl(slug: string, sha256: string): string {
  return `/api/workspaces/${encodeURIComponent(slug)}/blobs/${sha256}/thumbnail`;
}

/**
 * Uploads one file (`POST /api/workspaces/:slug/blobs`, raw body, name in a header) and
 * returns the reference to store in a document, with the type the server detected from the
 * content (the browser's guess from the file name is only a hint). Same content, same address:
 * uploading twice costs nothing. A file the server would refuse (too large, more than the
 * `storageLeft` in the workspace, a program) is refused here first, with the same code and
 * words, and nothing is sent.
 */
export async function uploadBlob(
  slug: string,
  file: File,
  uploadedBy: string,
  id: string,
  storageLeft: number | null = null,
): Promise<AttachmentRef> {
  const refusal = await refuseUpload(file, storageLeft);
  if (refusal) {
    throw new ApiError(
      refusal.code,
      refusal.message,
      refusal.code === ErrorCode.fileTypeRefused ? 415 : 413,
    );
  }
  let response: Response;
  try {
    response = await fetch(`/api/workspaces/${encodeURIComponent(slug)}/blobs`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: {
        'content-type': file.type || 'application/octet-stream',
        'x-file-name': encodeURIComponent(file.name),
      },
      body: file,
    });
  } catch {
    throw new ApiError(
      ErrorCode.internal,
      'The file could not be uploaded: the server cannot be reached. Try again when online.',
      0,
    );
  }
  const json: unknown = await response.json().catch(() => undefined);
  if (!response.ok) throw toApiError(json, response.status);
  const blob = json as StoredBlob;
  return {
    id,
    sha256: blob.sha256,
    name: blob.name,
    type: blob.type,
    size: blob.size,
    uploadedBy,
    uploadedAt: Date.now(),
  };
}
