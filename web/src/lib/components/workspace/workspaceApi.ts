// Moved to $lib/api/workspaceApi.ts; this re-export goes once the last importer is committed.
export { workspaceApi } from '$lib/api/workspaceApi.ts';
export type { AuditEntry } from '@desk/protocol';
