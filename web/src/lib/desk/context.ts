import { getContext, setContext } from 'svelte';
import type { WorkspaceSession } from './WorkspaceSession.svelte.ts';
import type { Shortcuts } from './Shortcuts.svelte.ts';

const key = Symbol('desk-session');

export function setSession(session: WorkspaceSession): void {
  setContext(key, session);
}

/** The workspace session of the enclosing `/w/[slug]` layout. */
export function getSession(): WorkspaceSession {
  const session = getContext<WorkspaceSession | undefined>(key);
  if (!session) throw new Error('getSession() outside the workspace layout');
  return session;
}

const shortcutsKey = Symbol('desk-shortcuts');

export function setShortcuts(shortcuts: Shortcuts): void {
  setContext(shortcutsKey, shortcuts);
}

export function getShortcuts(): Shortcuts {
  const shortcuts = getContext<Shortcuts | undefined>(shortcutsKey);
  if (!shortcuts) throw new Error('getShortcuts() outside the workspace layout');
  return shortcuts;
}
