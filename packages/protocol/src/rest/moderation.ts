/**
 * REST bodies of reporting and disabling access (terms §4, issue 17): a member reports an
 * item, the operator opens cases (from reports or outside notices), sees the case and only the
 * reported item, and disables or re-enables access to it. Owners and admins see the reports
 * about their workspace and every decision; every member can list what is disabled.
 */
import { z } from 'zod';
import {
  MODERATED_ITEM_KINDS,
  MODERATION_ACTIONS,
  MODERATION_CASE_SOURCES,
  MODERATION_CASE_STATUSES,
  MODERATION_CATEGORIES,
  MODERATION_REASON_MAX,
  MODERATION_REFERENCE_MAX,
  MODERATION_TEXT_MAX,
  OUTSIDE_NOTICE_SOURCES,
} from '../moderation.ts';
import { Millis } from './common.ts';

const DocId = z.string().min(1).max(200);
const EntryId = z.string().min(1).max(200);
const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'An attachment is named by its SHA-256.');

export const ModeratedItemKind = z.enum(MODERATED_ITEM_KINDS);

/** A reported or disabled item (`ModeratedItem` in `@desk/protocol`). */
export const ModeratedItem = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('ticket'), docId: DocId }),
  z.strictObject({ kind: z.literal('notice'), docId: DocId }),
  z.strictObject({ kind: z.literal('comment'), docId: DocId, itemId: EntryId }),
  z.strictObject({ kind: z.literal('message'), docId: DocId, itemId: EntryId }),
  z.strictObject({ kind: z.literal('attachment'), blobId: Sha256, docId: DocId.optional() }),
]);
export type ModeratedItem = z.infer<typeof ModeratedItem>;

export const ModerationCategory = z.enum(MODERATION_CATEGORIES);
export type ModerationCategory = z.infer<typeof ModerationCategory>;

export const OutsideNoticeSource = z.enum(OUTSIDE_NOTICE_SOURCES);
export type OutsideNoticeSource = z.infer<typeof OutsideNoticeSource>;

export const ModerationCaseSource = z.enum(MODERATION_CASE_SOURCES);
export type ModerationCaseSource = z.infer<typeof ModerationCaseSource>;

export const ModerationCaseStatus = z.enum(MODERATION_CASE_STATUSES);
export type ModerationCaseStatus = z.infer<typeof ModerationCaseStatus>;

export const ModerationAction = z.enum(MODERATION_ACTIONS);
export type ModerationAction = z.infer<typeof ModerationAction>;

const Person = z.strictObject({ userId: z.string(), displayName: z.string() });

/** `POST /api/workspaces/:slug/reports` (any member). `text` may be empty. */
export const CreateReportRequest = z.object({
  item: ModeratedItem,
  category: ModerationCategory,
  text: z.string().trim().max(MODERATION_TEXT_MAX).default(''),
});
export type CreateReportRequest = z.input<typeof CreateReportRequest>;

/** One member's report. `caseId`: the case it joined (one case per item and workspace). */
export const ModerationReport = z.strictObject({
  id: z.string(),
  caseId: z.string(),
  workspaceId: z.string(),
  item: ModeratedItem,
  itemKey: z.string(),
  category: ModerationCategory,
  text: z.string(),
  reportedBy: Person,
  createdAt: Millis,
});
export type ModerationReport = z.infer<typeof ModerationReport>;

/** `POST …/reports` answers 201 with the report as filed. */
export const ReportResponse = z.strictObject({ report: ModerationReport });
export type ReportResponse = z.infer<typeof ReportResponse>;

/** One operator decision: access to the item disabled or re-enabled, with the reason. */
export const ModerationDecision = z.strictObject({
  id: z.string(),
  caseId: z.string(),
  workspaceId: z.string(),
  item: ModeratedItem,
  itemKey: z.string(),
  action: ModerationAction,
  reason: z.string(),
  decidedAt: Millis,
});
export type ModerationDecision = z.infer<typeof ModerationDecision>;

/**
 * `GET /api/workspaces/:slug/reports` (owner or admin): every report about the workspace and
 * every decision on it (also those from outside notices), newest first.
 */
export const WorkspaceReportsResponse = z.strictObject({
  reports: z.array(ModerationReport),
  decisions: z.array(ModerationDecision),
});
export type WorkspaceReportsResponse = z.infer<typeof WorkspaceReportsResponse>;

/** One item of the workspace whose access is disabled now. */
export const DisabledItem = z.strictObject({
  itemKey: z.string(),
  item: ModeratedItem,
  reason: z.string(),
  disabledAt: Millis,
});
export type DisabledItem = z.infer<typeof DisabledItem>;

/** `GET /api/workspaces/:slug/disabled` (any member): what is disabled now, oldest first. */
export const DisabledItemList = z.strictObject({ items: z.array(DisabledItem) });
export type DisabledItemList = z.infer<typeof DisabledItemList>;

/** A case as the operator sees it (never the item's content; that is the case view's). */
export const ModerationCase = z.strictObject({
  id: z.string(),
  workspace: z.strictObject({ id: z.string(), slug: z.string(), name: z.string() }),
  item: ModeratedItem,
  itemKey: z.string(),
  /** How the case was opened. */
  source: ModerationCaseSource,
  /** The outside notice's reference (null for a member's report). */
  reference: z.string().nullable(),
  /** The outside notice's text (empty for a member's report). */
  text: z.string(),
  status: ModerationCaseStatus,
  openedAt: Millis,
  /** The reason of the latest decision (null while open). */
  reason: z.string().nullable(),
  reports: z.array(
    z.strictObject({
      id: z.string(),
      category: ModerationCategory,
      text: z.string(),
      reportedBy: Person,
      createdAt: Millis,
    }),
  ),
  decisions: z.array(
    z.strictObject({
      id: z.string(),
      action: ModerationAction,
      reason: z.string(),
      decidedAt: Millis,
      decidedBy: Person,
    }),
  ),
});
export type ModerationCase = z.infer<typeof ModerationCase>;

/** `GET /api/operator/cases`: open cases first, then decided ones, newest first. */
export const ModerationCaseList = z.strictObject({ cases: z.array(ModerationCase) });
export type ModerationCaseList = z.infer<typeof ModerationCaseList>;

/**
 * `POST /api/operator/cases`: a case from an outside notice against an item of a workspace
 * (`workspace`: its slug or id).
 */
export const OpenCaseRequest = z.object({
  workspace: z.string().min(1).max(200),
  item: ModeratedItem,
  source: OutsideNoticeSource,
  reference: z.string().trim().min(1, "Give the notice's reference.").max(MODERATION_REFERENCE_MAX),
  text: z.string().trim().max(MODERATION_TEXT_MAX).default(''),
});
export type OpenCaseRequest = z.input<typeof OpenCaseRequest>;

/** `POST /api/operator/cases` (201) and the decisions (200): the case as it is now. */
export const ModerationCaseResponse = z.strictObject({ case: ModerationCase });
export type ModerationCaseResponse = z.infer<typeof ModerationCaseResponse>;

/**
 * The reported item's content only, rendered by the server from the stored document (never
 * the rest of the workspace). `missing`: the item is not (or no longer) in the stored data.
 */
export const ReportedContent = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('ticket'),
    title: z.string(),
    description: z.string(),
    fields: z.array(z.strictObject({ name: z.string(), value: z.string() })),
  }),
  z.strictObject({ kind: z.literal('notice'), title: z.string(), body: z.string() }),
  z.strictObject({
    kind: z.literal('comment'),
    body: z.string(),
    author: z.string().nullable(),
    createdAt: Millis.nullable(),
  }),
  z.strictObject({
    kind: z.literal('message'),
    text: z.string(),
    author: z.string().nullable(),
    createdAt: Millis.nullable(),
  }),
  z.strictObject({
    kind: z.literal('attachment'),
    name: z.string().nullable(),
    type: z.string().nullable(),
    size: z.number().int().nullable(),
    /** Where the operator may open the file (`GET /api/operator/cases/:caseId/file`). */
    url: z.string(),
  }),
  z.strictObject({ kind: z.literal('missing') }),
]);
export type ReportedContent = z.infer<typeof ReportedContent>;

/** `GET /api/operator/cases/:caseId`: the case and only the reported item's content. */
export const ModerationCaseView = z.strictObject({
  case: ModerationCase,
  content: ReportedContent,
});
export type ModerationCaseView = z.infer<typeof ModerationCaseView>;

/** `POST /api/operator/cases/:caseId/disable` and `…/enable`. */
export const ModerationDecisionRequest = z.object({
  reason: z.string().trim().min(1, 'Give the reason.').max(MODERATION_REASON_MAX),
});
export type ModerationDecisionRequest = z.input<typeof ModerationDecisionRequest>;
