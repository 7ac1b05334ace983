import {
  ExportListResponse,
  ExportResponse,
  ImportWorkspaceQuery,
  ImportWorkspaceResponse,
} from '@desk/protocol/rest';
import { ok, raw, type RouteDoc } from '../http/openapi/routeDoc.ts';

const base = '/api/workspaces/{slug}/exports';
const noExport = '`not_found`: no such workspace or export for the caller.';

/** Workspace export (owners and admins; download by the requester only) and import. */
export const exportRoutes: readonly RouteDoc[] = [
  {
    method: 'get',
    path: base,
    summary: 'The workspace’s exports, newest first, with their progress.',
    auth: 'manager',
    responses: { 200: ok('Newest first.', ExportListResponse) },
  },
  {
    method: 'post',
    path: base,
    summary:
      'Start an export of the whole workspace (tickets, comments and notes, notices, channels and messages, members, attachments, link cards, audit entries, the raw Yjs state of every document) as one zip, built in the background. Audited as `export.requested`, then `export.completed`.',
    auth: 'manager',
    responses: { 202: ok('The queued export; poll it for progress.', ExportResponse) },
  },
  {
    method: 'get',
    path: `${base}/{exportId}`,
    summary: 'One export with its progress.',
    auth: 'manager',
    responses: { 200: ok('The export.', ExportResponse), 404: noExport },
  },
  {
    method: 'get',
    path: `${base}/{exportId}/download`,
    summary:
      'The zip of a ready export, for the person who requested it only, until it expires (EXPORT_TTL_HOURS). Audited as `export.downloaded`.',
    auth: 'manager',
    responses: {
      200: raw('The zip (`Content-Disposition: attachment`).', 'application/zip'),
      403: '`forbidden`: only the requester may download it.',
      404: noExport,
      409: '`export_not_ready`: still being built, or it failed.',
      410: '`export_expired`: its file was deleted; start a new export.',
    },
  },
  {
    method: 'get',
    path: '/api/export-format/v1/schema.json',
    summary: 'The JSON Schema of the export format, version 1 (also `schema.json` in every zip).',
    auth: 'public',
    responses: { 200: raw('JSON Schema (draft 2020-12).', 'application/json') },
  },
  {
    method: 'post',
    path: '/api/workspace-imports',
    summary:
      'Create a new workspace, owned by the caller, from an export’s zip (raw body): every document with its identical Yjs state, every attachment back in the blob store (within the plan’s storage quota and ticket limit). Audited as `workspace.imported`.',
    auth: 'session',
    query: ImportWorkspaceQuery,
    body: { raw: 'application/zip', description: 'The zip an export produced.' },
    responses: {
      201: ok('The new workspace.', ImportWorkspaceResponse),
      400: '`validation_failed`, `bad_request`: name or slug missing or not valid.',
      409: '`slug_taken`.',
      413: '`payload_too_large`: over a limit of the new workspace’s plan, named in `error.limit` (`tickets`, `document_size`, `attachment_size`, `storage`); nothing is created.',
      415: '`file_type_refused`: an attachment’s content is a program or installer; nothing is created.',
      422: '`import_invalid`: not an export this server reads (manifest, checksums, version).',
    },
  },
];
