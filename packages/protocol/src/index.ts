export { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './accounts.ts';
export {
  ALL_DOC_ERROR_CODES,
  CHUNKED_PROTOCOL_VERSION,
  CloseCode,
  DocAccess,
  DocErrorCode,
  FINAL_CLOSE_CODES,
  HEARTBEAT_PROTOCOL_VERSION,
  MessageType,
  MIN_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  YMessageType,
} from './constants.ts';
export {
  ChunkError,
  ChunkErrorCode,
  DEFAULT_MAX_REASSEMBLY_BYTES,
  DocChunkAssembler,
} from './DocChunkAssembler.ts';
export {
  decodeClientMessage,
  decodeServerMessage,
  encodeClientMessage,
  encodeDocChunk,
  encodeDocFrame,
  encodeServerMessage,
  ProtocolError,
} from './codec.ts';
export {
  isDocVisibleTo,
  makeDocId,
  MAX_DOC_ID_LENGTH,
  parseDocId,
  PRIVATE_DOC_KIND,
} from './docId.ts';
export type { ParsedDocId } from './docId.ts';
export { ErrorCode, isErrorBody } from './errors.ts';
export type { ErrorBody } from './errors.ts';
export type {
  AccountStatus,
  CustomerSearchResponse,
  CustomerSummary,
  CustomerWorkspace,
  UserSearchResponse,
  UserSummary,
} from './operator.ts';
export type {
  AckMessage,
  CatchUpMessage,
  CatchUpResultMessage,
  ChangedDoc,
  ClientMessage,
  DocChunkMessage,
  DocErrorMessage,
  DocMessage,
  ErrorMessage,
  HelloMessage,
  PingMessage,
  PongMessage,
  ServerMessage,
  SubscribedMessage,
  SubscribeMessage,
  UnsubscribeMessage,
  WelcomeMessage,
} from './messages.ts';
export { SnapshotTriggers, UndoLeftAloneReasons } from './snapshots.ts';
export type {
  ChangedEntry,
  CreateSnapshotRequest,
  EntryDiff,
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
  SnapshotTriggerName,
  UndoEntry,
  UndoLeftAloneReason,
  UndoRestoreResponse,
} from './snapshots.ts';
export { INVITABLE_ROLES, SUBSCRIPTION_STATES, WORKSPACE_ROLES } from './workspaces.ts';
export type {
  InvitableRole,
  InvitationStatus,
  ReadOnlyReason,
  SeatEvent,
  SeatLedgerEntry,
  SubscriptionState,
  WorkspaceInvitation,
  WorkspaceMember,
  WorkspacePayload,
  WorkspaceReadOnlyReason,
  WorkspaceRole,
} from './workspaces.ts';
