import type {
  CreateReportRequest,
  DisabledItemList,
  ModerationCaseList,
  ModerationCaseResponse,
  ModerationCaseView,
  ModerationDecisionRequest,
  OpenCaseRequest,
  ReportResponse,
  WorkspaceReportsResponse,
} from '@desk/protocol';
import { api } from './api.ts';

const ws = (slug: string) => `/api/workspaces/${encodeURIComponent(slug)}`;
const operatorCase = (caseId: string) => `/api/operator/cases/${encodeURIComponent(caseId)}`;

/** Reporting and disabling access (terms §4, issue 17): members, owners and the operator. */
export const moderationApi = {
  /** Any member: reports an item of the workspace. */
  report: (slug: string, body: CreateReportRequest) =>
    api<ReportResponse>(`${ws(slug)}/reports`, { method: 'POST', body }),
  /** Owner or admin: the reports about the workspace and every decision. */
  workspaceReports: (slug: string) => api<WorkspaceReportsResponse>(`${ws(slug)}/reports`),
  /** Any member: what is disabled in the workspace, with the operator's reasons. */
  disabled: (slug: string) => api<DisabledItemList>(`${ws(slug)}/disabled`),
  /** Operator: open and decided cases. */
  cases: () => api<ModerationCaseList>('/api/operator/cases'),
  /** Operator: a case and the reported item only, as the server renders it. */
  caseView: (caseId: string) => api<ModerationCaseView>(operatorCase(caseId)),
  /** Operator: a case opened from an outside notice (IP notice, an authority's notification). */
  openCase: (body: OpenCaseRequest) =>
    api<ModerationCaseResponse>('/api/operator/cases', { method: 'POST', body }),
  disable: (caseId: string, body: ModerationDecisionRequest) =>
    api<ModerationCaseResponse>(`${operatorCase(caseId)}/disable`, { method: 'POST', body }),
  enable: (caseId: string, body: ModerationDecisionRequest) =>
    api<ModerationCaseResponse>(`${operatorCase(caseId)}/enable`, { method: 'POST', body }),
};
