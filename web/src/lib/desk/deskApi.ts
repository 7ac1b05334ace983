// Moved to $lib/api/deskApi.ts (types: @desk/protocol); this re-export goes once the last
// importer is committed.
export {
  blobUrl,
  fetchMe,
  fetchWorkspace,
  reserveTicketNumbers,
  thumbnailUrl,
  uploadBlob,
} from '$lib/api/deskApi.ts';
export type {
  Me as MeResponse,
  WorkspaceInfo,
  WorkspaceMember as Member,
  WorkspacePayload as WorkspaceResponse,
} from '@desk/protocol';
