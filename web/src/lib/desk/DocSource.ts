// Moved to $lib/offline/DocSource.ts; this re-export goes once DeskWorkspace.svelte.ts imports from there.
export type {
  ConnectionStatus,
  DocHandle,
  DocRefusalNotice,
  DocSource,
} from '$lib/offline/DocSource.ts';
