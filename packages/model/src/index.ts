export type { Actor } from './Actor.ts';
export { ARCHIVE_SCHEMA_VERSION, ArchiveShard } from './archive/ArchiveShard.ts';
export {
  ARCHIVE_AFTER_MS,
  ARCHIVE_BATCH,
  archiveMonthOf,
  isArchivable,
  moveToArchive,
  planArchive,
  restoreFromArchive,
} from './archive/archiving.ts';
export { dropStaleArchived, keepEditsFromArchiving } from './archive/archiveRace.ts';
export { ChannelDoc, CHANNEL_SCHEMA_VERSION } from './channel/ChannelDoc.ts';
export type { MessageRecord, NewMessage } from './channel/ChannelDoc.ts';
export { DocKind, docIds } from './docIds.ts';
export {
  extractLinks,
  LinkProvider,
  PROVIDER_NAMES,
  recogniseLink,
} from './links/linkProviders.ts';
export type { LinkInfo } from './links/linkProviders.ts';
export { ModelError, ModelErrorCode } from './ModelError.ts';
export { newId } from './newId.ts';
export { NoticeDoc } from './notice/NoticeDoc.ts';
export { LOW_WATER, MemoryBlockStorage, TicketNumberPool } from './numbers/TicketNumberPool.ts';
export type { NumberBlock, NumberBlockStorage, ReserveBlock } from './numbers/TicketNumberPool.ts';
export { SavedViews } from './query/SavedViews.ts';
export type { SavedView } from './query/SavedViews.ts';
export { TicketList } from './query/TicketList.ts';
export {
  compileQuery,
  DEFAULT_QUERY,
  normalizeQuery,
  SORT_FIELDS,
  SortField,
} from './query/TicketQuery.ts';
export type { AssigneeFilter, CompiledQuery, TicketQuery } from './query/TicketQuery.ts';
export type { TicketSource } from './query/TicketSource.ts';
export type { TicketTextSearch } from './query/TicketTextSearch.ts';
export {
  MAX_BODY_LENGTH,
  MAX_TAGS,
  MAX_TITLE_LENGTH,
  PRIORITY_LABELS,
  PRIORITY_RANK,
  STATUS_LABELS,
  TICKET_PRIORITIES,
  TICKET_STATUSES,
  TICKET_TYPES,
  TicketPriority,
  TicketStatus,
  TicketType,
  TYPE_LABELS,
  validateBody,
  validateDueDate,
  validateRequester,
  validateTags,
  validateTitle,
} from './schema/fields.ts';
export type { Requester } from './schema/fields.ts';
export { ensureSchema, MIGRATION_ORIGIN, schemaVersionOf } from './schema/SchemaVersion.ts';
export type { DocMigration, SchemaState } from './schema/SchemaVersion.ts';
export { findMentions, segmentText } from './text/mentions.ts';
export type { Mentionable, TextSegment } from './text/mentions.ts';
export { proseMirrorHtml, proseMirrorJson } from './text/proseMirror.ts';
export type { ProseMirrorNode } from './text/proseMirror.ts';
export { xmlPlainText } from './text/xmlPlainText.ts';
export { ActivityKind } from './ticket/Activity.ts';
export type { ActivityEntry } from './ticket/Activity.ts';
export { attachmentKind, formatBytes, isAttachmentRef } from './ticket/Attachment.ts';
export type { AttachmentKind, AttachmentRef } from './ticket/Attachment.ts';
export {
  COMMENT_KINDS,
  CommentKind,
  readCommentKind,
  validateCommentKind,
} from './ticket/Comment.ts';
export type { CommentRecord, CommentVersion, NewComment } from './ticket/Comment.ts';
export { TicketDoc, TICKET_SCHEMA_VERSION } from './ticket/TicketDoc.ts';
export {
  assignTicketNumber,
  createTicket,
  postComment,
  refreshTicketSummary,
  setTicketDeleted,
  updateTicket,
} from './ticket/ticketActions.ts';
export { UserDoc, readKey } from './user/UserDoc.ts';
export { ChannelIndex, normalizeChannelName } from './workspace/ChannelIndex.ts';
export type { ChannelRecord } from './workspace/ChannelIndex.ts';
export { Mentions } from './workspace/Mentions.ts';
export type { Mention, MentionPlace } from './workspace/Mentions.ts';
export { NoticeIndex } from './workspace/NoticeIndex.ts';
export type { NoticeRecord } from './workspace/NoticeIndex.ts';
export { ArchiveMonths } from './workspace/ArchiveMonths.ts';
export { TicketIndex } from './workspace/TicketIndex.ts';
export type { FieldChange, NewTicket } from './workspace/TicketIndex.ts';
export {
  provisionalNumberFor,
  readTicket,
  storedTicketOf,
  TICKET_FIELDS,
  ticketLabel,
} from './workspace/TicketRecord.ts';
export type {
  StoredTicket,
  TicketField,
  TicketFields,
  TicketRecord,
} from './workspace/TicketRecord.ts';
export { INDEX_SCHEMA_VERSION, WorkspaceIndex } from './workspace/WorkspaceIndex.ts';
export { legacyTicketFields, StoredIndex } from './workspace/StoredIndex.ts';
export { redactIndexCopy } from './workspace/redactIndexCopy.ts';
export type { IndexRedaction } from './workspace/redactIndexCopy.ts';
export type { IndexRowRoot } from './workspace/StoredIndex.ts';
export {
  FIRST_INDEX_GENERATION,
  GenerationMeta,
  generationOf,
  indexDocId,
  indexGenerationOf,
  indexDocIdOfHead,
  indexHeadDocId,
  keptFromOf,
  nextGenerationOf,
  replacedAtOf,
  setHeadGeneration,
  setHeadKeptFrom,
} from './generations/indexGenerations.ts';
export { hasLateEdits, replayLateEdits } from './generations/replayLateEdits.ts';
export type { LateReplay } from './generations/replayLateEdits.ts';
export { rewriteIndex } from './generations/rewriteIndex.ts';
export type { IndexRewrite } from './generations/rewriteIndex.ts';
