import {
  CreateReportRequest,
  DisabledItemList,
  ModerationCaseList,
  ModerationCaseResponse,
  ModerationCaseView,
  ModerationDecisionRequest,
  OpenCaseRequest,
  ReportResponse,
  WorkspaceReportsResponse,
} from '@desk/protocol/rest';
import { ok, raw, type RouteDoc } from '../http/openapi/routeDoc.ts';

/**
 * Reporting and disabling access (terms §4, SPEC MOD): members report items, owners and
 * admins read the reports and decisions, members list what is disabled, operators handle
 * cases. A disabled item's stored content never changes; the server stops serving it.
 */
export const moderationRoutes: readonly RouteDoc[] = [
  {
    method: 'post',
    path: '/api/workspaces/{slug}/reports',
    summary:
      'Report a ticket, comment, message, notice or attachment of the workspace under a category of the terms (§4), with free text (audited `moderation.report_filed`; a first report opens the item’s case, `moderation.case_opened`).',
    auth: 'member',
    body: CreateReportRequest,
    responses: {
      201: ok('The report, with the case it joined.', ReportResponse),
      400: '`validation_failed`: no such category, or a malformed item.',
      403: 'An operator under a support grant (operators open cases instead).',
      404: 'No such item in this workspace.',
    },
  },
  {
    method: 'get',
    path: '/api/workspaces/{slug}/reports',
    summary: 'Every report about the workspace and every decision on it, newest first.',
    auth: 'manager',
    responses: { 200: ok('`{ reports, decisions }`.', WorkspaceReportsResponse) },
  },
  {
    method: 'get',
    path: '/api/workspaces/{slug}/disabled',
    summary:
      'The items of the workspace whose access is disabled now, with the reasons (the same list `/sync` pushes as `disabledItems`).',
    auth: 'member',
    responses: { 200: ok('`{ items }`, oldest first.', DisabledItemList) },
  },
  {
    method: 'get',
    path: '/api/operator/cases',
    summary: 'Moderation cases: open ones first, then decided ones, newest first.',
    auth: 'operator',
    responses: { 200: ok('`{ cases }`.', ModerationCaseList) },
  },
  {
    method: 'post',
    path: '/api/operator/cases',
    summary:
      'Open a case from an outside notice (intellectual-property notice or an authority’s notification, with its reference) against an item of a workspace (slug or id). Audited `moderation.case_opened`.',
    auth: 'operator',
    body: OpenCaseRequest,
    responses: {
      201: ok(
        'The case (the existing one when the item already has a case).',
        ModerationCaseResponse,
      ),
      404: 'No such workspace, or no such item in it.',
    },
  },
  {
    method: 'get',
    path: '/api/operator/cases/{caseId}',
    summary:
      'The case and only the reported item’s content, rendered from the stored document (never the rest of the workspace). Each read is in the workspace’s audit log (`moderation.item_viewed`).',
    auth: 'operator',
    responses: {
      200: ok('`{ case, content }`.', ModerationCaseView),
      404: 'No such case.',
    },
  },
  {
    method: 'get',
    path: '/api/operator/cases/{caseId}/file',
    summary:
      'The reported attachment’s bytes, as a download (served also while disabled). Each download is in the workspace’s audit log (`moderation.item_viewed`).',
    auth: 'operator',
    responses: {
      200: raw('The file.', 'application/octet-stream'),
      404: 'No such case, the case is not about a file, or the file is not stored.',
    },
  },
  {
    method: 'post',
    path: '/api/operator/cases/{caseId}/disable',
    summary:
      'Disable access to the case’s item with a reason: members are refused it (sync `content_disabled`, /yjs close 4452, files 451) and every view redacts it; stored content is untouched (audited `moderation.item_disabled`).',
    auth: 'operator',
    body: ModerationDecisionRequest,
    responses: {
      200: ok('The case, disabled.', ModerationCaseResponse),
      404: 'No such case.',
      409: '`invalid_state_transition`: already disabled.',
    },
  },
  {
    method: 'post',
    path: '/api/operator/cases/{caseId}/enable',
    summary:
      'Re-enable access to the case’s item with a reason; it is served again (audited `moderation.item_enabled`).',
    auth: 'operator',
    body: ModerationDecisionRequest,
    responses: {
      200: ok('The case, re-enabled.', ModerationCaseResponse),
      404: 'No such case.',
      409: '`invalid_state_transition`: not disabled.',
    },
  },
];
