/**
 * Every REST request and response body as a zod schema with its inferred type, one name for
 * both. The server validates requests and documents routes (OpenAPI) with the schemas; the
 * web app imports the types only, through `@desk/protocol` (so zod stays out of its bundle).
 */
export {
  AcceptTermsRequest,
  AccessTokenInfo,
  AccessTokenList,
  AccountDeleted,
  ChangePasswordRequest,
  CreateAccessTokenRequest,
  CreatedAccessToken,
  DeleteAccountRequest,
  ForgotPasswordAccepted,
  ForgotPasswordRequest,
  LoginRequest,
  Mailbox,
  MailboxMessage,
  MailboxQuery,
  Me,
  ProfileRequest,
  ReportUnauthorizedUseRequest,
  ReportUnauthorizedUseResponse,
  ResetPasswordRequest,
  SecurityReport,
  SecurityReportList,
  SessionInfo,
  SessionList,
  SignupAccepted,
  SignupConfirmRequest,
  SignupRequest,
  UserWorkspace,
} from './accounts.ts';
export {
  ANNOUNCEMENT_AUDIENCES,
  Announcement,
  AnnouncementAudience,
  AnnouncementList,
  AnnouncementOptedOut,
  AnnouncementOptOutRequest,
  AnnouncementPreference,
  SendAnnouncementRequest,
  SetAnnouncementPreferenceRequest,
} from './announcements.ts';
export { BillingEvent, BillingEventReceived } from './billing.ts';
export { EmptyRequest, Millis, Ok, SessionsEnded } from './common.ts';
export {
  DownloadQuery,
  Liveness,
  MAX_TICKET_NUMBER_BLOCK,
  NotReady,
  Readiness,
  ReserveTicketNumbersRequest,
  StoredBlob,
  TicketNumberBlock,
} from './desk.ts';
export { ErrorBody } from './errors.ts';
export {
  ACCOUNT_STATUSES,
  ChangeStateRequest,
  ChangeStateResponse,
  ChangeSubscriptionRequest,
  CustomerSearchResponse,
  CustomerSummary,
  CustomerWorkspace,
  DirectoryQuery,
  OperatorNoteRequest,
  Plan,
  PlanList,
  UserSearchResponse,
  UserSummary,
} from './operator.ts';
export type { AccountStatus } from './operator.ts';
export { TicketSearchHit, TicketSearchQuery, TicketSearchResponse } from './search.ts';
export {
  CreateSnapshotRequest,
  CreateSnapshotResponse,
  NoticeDiff,
  RestoreRequest,
  RestoreResponse,
  RestoreScopeName,
  RichNode,
  SnapshotComment,
  SnapshotContentsResponse,
  SnapshotDiffResponse,
  SnapshotListResponse,
  SnapshotNoticeResponse,
  SnapshotNoticeSummary,
  SnapshotSummary,
  SnapshotTicketResponse,
  SnapshotTicketSummary,
  TicketDiff,
  UndoEntry,
  UndoRestoreResponse,
} from './snapshots.ts';
export type { ChangedEntry, EntryDiff } from './snapshots.ts';
export {
  OperatorTermsList,
  OperatorTermsVersion,
  PublishTermsRequest,
  TermsResponse,
  TermsVersion,
} from './terms.ts';
export { UsageMeter, WorkspaceUsageResponse } from './usage.ts';
export {
  AcceptInvitationRequest,
  AcceptInvitationResponse,
  AUDIT_ACTOR_KINDS,
  AuditEntry,
  AuditList,
  AuditQuery,
  ChangeRoleRequest,
  CreateWorkspaceRequest,
  HostInfo,
  InvitationList,
  InvitationPreview,
  InvitationResponse,
  InvitationTokenRequest,
  InviteRequest,
  MemberList,
  RenameWorkspaceRequest,
  SeatLedgerEntry,
  SeatsResponse,
  SeatUsage,
  TransferOwnershipRequest,
  WorkspaceInfo,
  WorkspaceInvitation,
  WorkspaceList,
  WorkspaceListEntry,
  WorkspaceMember,
  WorkspacePayload,
  WorkspacePlan,
} from './workspaces.ts';
