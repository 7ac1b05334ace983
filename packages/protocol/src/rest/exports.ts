/**
 * Workspace export and import (issue 16): the REST bodies of `/api/workspaces/:slug/exports…`
 * and `/api/workspace-imports`, and the versioned format of the zip an export produces and an
 * import reads. The format's JSON Schema (`exportArchiveJsonSchema`) is generated from these
 * schemas, shipped inside every zip as `schema.json` and served at
 * `GET /api/export-format/v1/schema.json`.
 */
import { z } from 'zod';
import { EXPORT_FORMAT_VERSION, ExportStates } from '../exports.ts';
import { WORKSPACE_ROLES } from '../workspaces.ts';
import { AuditEntry } from './workspaces.ts';
import { Millis } from './common.ts';

export const ExportSummary = z.strictObject({
  id: z.string(),
  state: z.enum(ExportStates),
  requestedBy: z.strictObject({ id: z.string(), name: z.string() }),
  createdAt: Millis,
  finishedAt: Millis.nullable(),
  /** After this the file is deleted; null until it is ready. */
  expiresAt: Millis.nullable(),
  /** Documents read so far of `total` (the last step, writing the zip, counts as one). */
  progress: z.strictObject({ done: z.number().int(), total: z.number().int() }),
  /** Size of the zip once ready. */
  bytes: z.number().int().nullable(),
  /** Why it failed (for people), when it did. */
  error: z.string().nullable(),
  /** True for the caller's own ready export: only the requester may download it. */
  downloadable: z.boolean(),
});
export type ExportSummary = z.infer<typeof ExportSummary>;

export const ExportListResponse = z.strictObject({ exports: z.array(ExportSummary) });
export type ExportListResponse = z.infer<typeof ExportListResponse>;

export const ExportResponse = z.strictObject({ export: ExportSummary });
export type ExportResponse = z.infer<typeof ExportResponse>;

/** `POST /api/workspace-imports?name=&slug=`: the new workspace's name and address. */
export const ImportWorkspaceQuery = z.object({
  name: z.string().trim().min(1).max(100),
  slug: z.string().trim().min(1).max(63),
});
export type ImportWorkspaceQuery = z.infer<typeof ImportWorkspaceQuery>;

export const ImportWorkspaceResponse = z.strictObject({
  workspace: z.strictObject({ id: z.string(), slug: z.string(), name: z.string() }),
  /** Documents restored with their raw Yjs state. */
  docs: z.number().int(),
  /** Files restored into the blob store. */
  attachments: z.number().int(),
});
export type ImportWorkspaceResponse = z.infer<typeof ImportWorkspaceResponse>;

// ---- The archive format (version 1) -------------------------------------------------------

/** Milliseconds since the epoch, as documents hold them (other peers may write fractions). */
const Time = z.number();

const AttachmentEntry = z.strictObject({
  id: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  name: z.string(),
  type: z.string(),
  size: z.number().int(),
  uploadedBy: z.string(),
  uploadedAt: Time,
  /** The file inside the zip. */
  file: z.string(),
});

const LinkCard = z.strictObject({
  url: z.string(),
  host: z.string(),
  provider: z.string(),
  providerName: z.string(),
  label: z.string(),
});

const RichText = z.strictObject({
  /** ProseMirror JSON (`{ type: 'doc', content }`). */
  json: z.record(z.string(), z.unknown()),
  text: z.string(),
  html: z.string(),
});

const ArchiveComment = z.strictObject({
  id: z.string(),
  /** `reply` (public) or `note` (internal note). */
  kind: z.string(),
  authorId: z.string(),
  authorName: z.string(),
  body: z.string(),
  createdAt: Time,
  editedAt: Time.nullable(),
  deleted: z.boolean(),
  /** Earlier bodies of an edited comment. */
  history: z.array(z.record(z.string(), z.unknown())),
  mentions: z.array(z.string()),
  attachments: z.array(AttachmentEntry),
  links: z.array(LinkCard),
});

export const ArchiveTicket = z.strictObject({
  id: z.string(),
  number: z.number().int().nullable(),
  title: z.string(),
  status: z.string(),
  priority: z.string(),
  type: z.string(),
  assigneeId: z.string().nullable(),
  requester: z.strictObject({ name: z.string(), email: z.string() }).nullable(),
  tags: z.array(z.string()),
  dueDate: z.string().nullable(),
  createdAt: Time,
  updatedAt: Time,
  createdBy: z.string(),
  deleted: z.boolean(),
  commentCount: z.number().int(),
  /** `hot` (in the workspace index) or the archive month (`YYYY-MM`) it is kept in. */
  location: z.string(),
  description: RichText,
  comments: z.array(ArchiveComment),
  attachments: z.array(AttachmentEntry),
  activity: z.array(z.record(z.string(), z.unknown())),
  links: z.array(LinkCard),
  /** `yjs/<file>`: the raw Yjs state of the ticket's document. */
  yjsFile: z.string().nullable(),
});
export type ArchiveTicket = z.infer<typeof ArchiveTicket>;

export const ArchiveNotice = z.strictObject({
  id: z.string(),
  title: z.string(),
  pinned: z.boolean(),
  createdAt: Time,
  updatedAt: Time,
  createdBy: z.string(),
  createdByName: z.string(),
  deleted: z.boolean(),
  body: RichText,
  yjsFile: z.string().nullable(),
});

const ArchiveMessage = z.strictObject({
  id: z.string(),
  authorId: z.string(),
  authorName: z.string(),
  /** The message text, always (an export never leaves it out). */
  body: z.string(),
  mentions: z.array(z.string()),
  attachments: z.array(AttachmentEntry),
  links: z.array(LinkCard),
  createdAt: Time,
  editedAt: Time.nullable(),
  deleted: z.boolean(),
});

export const ArchiveChannel = z.strictObject({
  id: z.string(),
  name: z.string(),
  archived: z.boolean(),
  createdAt: Time,
  createdBy: z.string(),
  messages: z.array(ArchiveMessage),
  yjsFile: z.string().nullable(),
});

export const ArchiveMember = z.strictObject({
  userId: z.string(),
  displayName: z.string(),
  email: z.string().nullable(),
  role: z.enum(WORKSPACE_ROLES),
  joinedAt: Time,
});

/** `manifest.json`: what the zip holds; read first by an import. */
export const ArchiveManifest = z.strictObject({
  format: z.literal('desk-workspace-export'),
  formatVersion: z.number().int(),
  exportedAt: Time,
  exportId: z.string(),
  workspace: z.strictObject({ id: z.string(), slug: z.string(), name: z.string() }),
  counts: z.strictObject({
    tickets: z.number().int(),
    notices: z.number().int(),
    channels: z.number().int(),
    members: z.number().int(),
    attachments: z.number().int(),
    documents: z.number().int(),
    auditEntries: z.number().int(),
  }),
  /** Every document: its id without the workspace prefix (`index`, `ticket:<id>`, …) and file. */
  documents: z.array(
    z.strictObject({
      name: z.string(),
      file: z.string(),
      bytes: z.number().int(),
      /** Hex SHA-256 of the state file, checked on import. */
      sha256: z.string(),
    }),
  ),
  attachments: z.array(
    z.strictObject({
      sha256: z.string(),
      name: z.string(),
      type: z.string(),
      size: z.number().int(),
      file: z.string(),
    }),
  ),
});
export type ArchiveManifest = z.infer<typeof ArchiveManifest>;

/** The JSON files of the zip, by name, and the schema each follows. */
export const ArchiveFiles = {
  'manifest.json': ArchiveManifest,
  'tickets.json': z.array(ArchiveTicket),
  'notices.json': z.array(ArchiveNotice),
  'channels.json': z.array(ArchiveChannel),
  'members.json': z.array(ArchiveMember),
  'audit.json': z.array(AuditEntry),
} as const;

/** JSON Schema (draft 2020-12) of every JSON file of the zip, as `schema.json` holds it. */
export function exportArchiveJsonSchema(): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `desk-workspace-export/v${EXPORT_FORMAT_VERSION}`,
    title: `Service Desk workspace export, format version ${EXPORT_FORMAT_VERSION}`,
    description:
      'One entry per JSON file of the zip. Besides these: tickets.csv (one row per ticket), yjs/*.bin (the raw Yjs state of every document, as Y.encodeStateAsUpdate writes it) and attachments/<sha256> (the files).',
    properties: Object.fromEntries(
      Object.entries(ArchiveFiles).map(([file, schema]) => [
        file,
        z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }),
      ]),
    ),
  };
}
