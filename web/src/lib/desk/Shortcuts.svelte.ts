import { untrack } from 'svelte';

export interface Shortcut {
  /** A key ("c", "/", "?") or a two-key sequence ("g b"). */
  keys: string;
  description: string;
  /** Shown grouped in the `?` overlay. */
  group: string;
  action: (event: KeyboardEvent) => void;
}

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return (
    target.isContentEditable ||
    // A read-only rich text editor is no longer contenteditable but still a text box: the
    // reader types into it (or thinks so), and letters there are not commands.
    target.closest('[role="textbox"]') !== null ||
    target instanceof HTMLInputElement ||
    target instanceof HTMLTextAreaElement ||
    target instanceof HTMLSelectElement
  );
}

/**
 * Keyboard shortcuts of the workspace app. Pages register theirs while mounted; keys typed
 * into a field are left alone. Sequences ("g b") wait one second for the second key.
 */
export class Shortcuts {
  registered = $state.raw<Shortcut[]>([]);
  overlayOpen = $state(false);
  private pending: string | null = null;
  private pendingTimer: ReturnType<typeof setTimeout> | undefined;

  /**
   * Adds shortcuts until the returned function is called. Pages call it from an `$effect`;
   * the read of `registered` is untracked so registering does not re-run that effect.
   */
  register(shortcuts: Shortcut[]): () => void {
    untrack(() => (this.registered = [...this.registered, ...shortcuts]));
    return () => {
      untrack(() => (this.registered = this.registered.filter((s) => !shortcuts.includes(s))));
    };
  }

  handle = (event: KeyboardEvent): void => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === 'Escape' && this.overlayOpen) {
      this.overlayOpen = false;
      return;
    }
    if (isTyping(event.target)) return;
    const key = event.key;
    const sequence = this.pending ? `${this.pending} ${key}` : key;
    const match = this.registered.find((s) => s.keys === sequence);
    if (match) {
      this.clearPending();
      event.preventDefault();
      match.action(event);
      return;
    }
    if (!this.pending && this.registered.some((s) => s.keys.startsWith(`${key} `))) {
      this.pending = key;
      this.pendingTimer = setTimeout(() => this.clearPending(), 1000);
      return;
    }
    this.clearPending();
  };

  private clearPending(): void {
    this.pending = null;
    clearTimeout(this.pendingTimer);
  }
}
