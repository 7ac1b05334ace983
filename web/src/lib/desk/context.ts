import { getContext, setContext } from 'svelte';
import type { DeskWorkspace } from './DeskWorkspace.svelte.ts';
import type { Shortcuts } from './Shortcuts.svelte.ts';

const key = Symbol('desk-workspace');

export function setDeskWorkspace(desk: DeskWorkspace): void {
  setContext(key, desk);
}

/** The DeskWorkspace of the enclosing `/w/[slug]` layout. */
export function getDeskWorkspace(): DeskWorkspace {
  const desk = getContext<DeskWorkspace | undefined>(key);
  if (!desk) throw new Error('getDeskWorkspace() outside the workspace layout');
  return desk;
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
