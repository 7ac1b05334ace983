import { DownloadQuery, StoredBlob } from '@desk/protocol/rest';
import { ok, raw, type RouteDoc } from '../http/openapi/routeDoc.ts';

/** Attachments: upload (streamed, stored once per content), download, thumbnails. */
export const blobRoutes: readonly RouteDoc[] = [
  {
    method: 'post',
    path: '/api/workspaces/{slug}/blobs',
    summary:
      'Upload an attachment (raw body, streamed to storage; `x-file-name` header). Stored once per content (SHA-256). The type is detected from the bytes (magic numbers), never taken from `content-type`; HTML, SVG, XML and other non-media types are stored but only ever served as downloads.',
    auth: 'member',
    body: { raw: 'application/octet-stream', description: 'The file’s bytes.' },
    headers: [{ name: 'x-file-name', description: 'The file name, URI-encoded.' }],
    responses: {
      201: ok('`{ sha256, size, type, name }`; `type` is the detected type.', StoredBlob),
      403: '`workspace_read_only`: the caller may not write here.',
      413: '`payload_too_large`: over the file limit (`error.limit` = `attachment_size`) or the storage quota of documents plus attachments (`storage`); checked while streaming, the connection is closed.',
      415: '`file_type_refused`: the content is a program or installer (Windows PE, ELF, Mach-O, MSI, APK), whatever its name.',
      507: '`insufficient_storage`: the server’s disk is full; nothing was stored (the connection is closed).',
    },
  },
  {
    method: 'get',
    path: '/api/workspaces/{slug}/blobs/{sha256}',
    summary:
      'Download an attachment of this workspace. Images, video, audio and PDF inline with their detected type (`?download=1` for a download); everything else as `application/octet-stream` with `Content-Disposition: attachment`. Always `X-Content-Type-Options: nosniff` and a CSP `sandbox` (PDF excepted: browsers refuse to show a sandboxed PDF). One byte range per request (`Range: bytes=…`, `If-Range`), strong ETag (the SHA-256; `If-None-Match` → 304).',
    auth: 'member',
    query: DownloadQuery,
    headers: [
      { name: 'Range', description: 'One range, `bytes=start-end`.' },
      { name: 'If-Range', description: 'The ETag the range is valid for.' },
    ],
    responses: {
      200: raw('The bytes (`Accept-Ranges: bytes`).', 'application/octet-stream'),
      206: raw(
        'The asked range, with `Content-Range: bytes start-end/size`.',
        'application/octet-stream',
      ),
      304: raw('Unchanged (`If-None-Match` named this content).'),
      416: raw('The range starts past the end; `Content-Range: bytes */size`.'),
      451: '`content_disabled`: the operator disabled access to this file (terms §4); `reason` says why. Its bytes are kept unchanged.',
    },
  },
  {
    method: 'get',
    path: '/api/workspaces/{slug}/blobs/{sha256}/thumbnail',
    summary:
      'A WebP thumbnail (at most 320 px on the longer side) of an image attachment (PNG, JPEG, GIF, WebP, AVIF, TIFF), made after upload or on first request.',
    auth: 'member',
    responses: {
      200: raw('`image/webp`, inline.', 'image/webp'),
      404: '`not_found`: no such file in this workspace, not an image, or an image that cannot be decoded (or over 40 megapixels).',
      451: '`content_disabled`: the operator disabled access to the file (terms §4), thumbnail included.',
    },
  },
];
