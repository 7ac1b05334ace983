// Moved to $lib/api/authApi.ts; this re-export goes once the last importer is committed.
export { authApi } from '$lib/api/authApi.ts';
