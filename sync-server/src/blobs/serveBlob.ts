import { Readable } from 'node:stream';
import { parseRange, type ByteRange } from './byteRange.ts';
import { dispositionOf } from './contentType.ts';

export interface ServedFile {
  /** The strong ETag's value: the content's address, since the bytes at it never change. */
  readonly tag: string;
  readonly size: number;
  /** The detected type, as stored. */
  readonly type: string;
  /** The name the file is saved under. */
  readonly name: string;
  /** Asked for as a download even where it could be shown. */
  readonly download: boolean;
  readonly open: (range?: ByteRange) => Promise<Readable>;
}

/**
 * The sandbox every stored file is answered with: an uploaded page or SVG opened directly
 * must never run as a page of this origin (no scripts, an opaque origin, no requests out).
 */
const SANDBOXED = "sandbox; default-src 'none'; img-src 'self'; media-src 'self'";

/**
 * PDF is the exception to the sandbox: Chromium refuses to start its PDF viewer in any
 * sandboxed document (no sandbox token re-enables it), so a sandboxed PDF shows "blocked".
 * It is safe without: the type is pinned to application/pdf with nosniff, so the bytes can
 * only ever be rendered by the viewer, whose scripts are isolated from this origin. The
 * viewer draws its own page, so styles and images stay allowed; nothing else is.
 */
const PDF_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; object-src 'self'; form-action 'none'; base-uri 'none'";

/**
 * The response for a stored file (or one derived from it): media and PDF inline with their
 * detected type, everything else as an `application/octet-stream` attachment; one byte
 * range when asked (206, or 416 when it lies past the end) so video seeks; a strong ETag
 * for If-None-Match (304) and If-Range.
 */
export async function serveBlob(request: Headers, file: ServedFile): Promise<Response> {
  const etag = `"${file.tag}"`;
  const inline = dispositionOf(file.type) === 'inline' && !file.download;
  const headers = new Headers({
    'content-type': inline ? file.type : 'application/octet-stream',
    'content-disposition': `${inline ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(file.name)}`,
    'accept-ranges': 'bytes',
    etag,
    // Content never changes at one address; members only, so private caching.
    'cache-control': 'private, max-age=31536000, immutable',
    'x-content-type-options': 'nosniff',
    'content-security-policy': inline && file.type === 'application/pdf' ? PDF_POLICY : SANDBOXED,
  });
  if (matchesEtag(request.get('if-none-match'), etag)) {
    return new Response(null, { status: 304, headers });
  }
  // If-Range names the version the client already holds part of; any other is the whole file.
  const ifRange = request.get('if-range');
  const range =
    ifRange === null || ifRange === etag
      ? parseRange(request.get('range') ?? undefined, file.size)
      : null;
  if (range === 'unsatisfiable') {
    headers.set('content-range', `bytes */${file.size}`);
    headers.set('content-length', '0');
    return new Response(null, { status: 416, headers });
  }
  if (range) {
    headers.set('content-range', `bytes ${range.start}-${range.end}/${file.size}`);
    headers.set('content-length', String(range.end - range.start + 1));
    return new Response(webStream(await file.open(range)), { status: 206, headers });
  }
  headers.set('content-length', String(file.size));
  return new Response(webStream(await file.open()), { status: 200, headers });
}

function matchesEtag(header: string | null, etag: string): boolean {
  if (!header) return false;
  return header
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === etag || tag === '*');
}

function webStream(stream: Readable): ReadableStream<Uint8Array> {
  return Readable.toWeb(stream) as ReadableStream<Uint8Array>;
}
