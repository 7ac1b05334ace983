/** A reference to an uploaded file (the bytes live on the server, content-addressed). */
export interface AttachmentRef {
  readonly id: string;
  /** Hex SHA-256 of the content: the blob's address (`/api/workspaces/:slug/blobs/:sha256`). */
  readonly sha256: string;
  readonly name: string;
  /**
   * MIME type the server detected from the content (not the file name or the browser's
   * guess); decides inline preview (image/*), player (video/*) or download.
   */
  readonly type: string;
  readonly size: number;
  readonly uploadedBy: string;
  readonly uploadedAt: number;
}

export type AttachmentKind = 'image' | 'video' | 'audio' | 'file';

export function attachmentKind(type: string): AttachmentKind {
  if (/^image\/(png|jpeg|gif|webp|avif|bmp)$/.test(type)) return 'image';
  if (/^video\/(mp4|webm|ogg|quicktime)$/.test(type)) return 'video';
  if (/^audio\//.test(type)) return 'audio';
  return 'file';
}

export function isAttachmentRef(value: unknown): value is AttachmentRef {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.id === 'string' &&
    typeof v.sha256 === 'string' &&
    /^[0-9a-f]{64}$/.test(v.sha256) &&
    typeof v.name === 'string' &&
    typeof v.type === 'string' &&
    typeof v.size === 'number'
  );
}

export function formatBytes(size: number): string {
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KB`;
  if (size < 1024 * 1024 * 1024) return `${(size / 1024 / 1024).toFixed(1)} MB`;
  return `${(size / 1024 / 1024 / 1024).toFixed(1)} GB`;
}
