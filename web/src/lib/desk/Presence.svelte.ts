/* eslint-disable svelte/prefer-svelte-reactivity -- Maps and Sets here are built locally and
   published by replacing a $state.raw value, never mutated in place while observed. */
import type { Awareness } from 'y-protocols/awareness';
import { userColor } from './userColor.ts';

export interface PresenceUser {
  readonly clientId: number;
  readonly id: string;
  readonly name: string;
  readonly color: string;
}

interface IndexState {
  user?: { id?: unknown; name?: unknown; color?: unknown };
  viewing?: unknown;
  typing?: unknown;
}

function toUser(clientId: number, state: IndexState): PresenceUser | null {
  const user = state.user;
  if (!user || typeof user.id !== 'string' || typeof user.name !== 'string') return null;
  return {
    clientId,
    id: user.id,
    name: user.name,
    // A tab that announced no colour gets the one every other tab derives for its user.
    color: typeof user.color === 'string' ? user.color : userColor(user.id),
  };
}

/** One entry per user (several tabs of one person count once), others only. */
function distinct(users: PresenceUser[], myId: string): PresenceUser[] {
  const seen = new Map<string, PresenceUser>();
  for (const user of users) if (user.id !== myId && !seen.has(user.id)) seen.set(user.id, user);
  return [...seen.values()];
}

/**
 * Who is where, from the awareness of the workspace index doc: every tab announces its user
 * and the ticket it is viewing. Awareness states time out after 30 s without renewal
 * (y-protocols), so a closed laptop drops out instead of "viewing" forever.
 */
export class IndexPresence {
  viewersByTicket = $state.raw<ReadonlyMap<string, PresenceUser[]>>(new Map());
  online = $state.raw<PresenceUser[]>([]);
  private readonly onChange = () => this.refresh();

  constructor(
    private awareness: Awareness,
    private readonly me: { id: string; name: string; color: string },
  ) {
    awareness.setLocalState({ user: me, viewing: null });
    awareness.on('change', this.onChange);
    this.refresh();
  }

  setViewing(ticketId: string | null): void {
    this.awareness.setLocalStateField('viewing', ticketId);
  }

  destroy(): void {
    this.awareness.off('change', this.onChange);
    this.awareness.setLocalState(null);
  }

  /**
   * The index moved to a newer generation in place (SPEC IDX-GEN-2): presence goes with it
   * — gone from the older one, announced in the newer one with the ticket being viewed.
   */
  moveTo(awareness: Awareness): void {
    if (awareness === this.awareness) return;
    const local = this.awareness.getLocalState() as IndexState | null;
    this.destroy();
    this.awareness = awareness;
    awareness.setLocalState({ user: this.me, viewing: local?.viewing ?? null });
    awareness.on('change', this.onChange);
    this.refresh();
  }

  private refresh(): void {
    const byTicket = new Map<string, PresenceUser[]>();
    const everyone: PresenceUser[] = [];
    this.awareness.getStates().forEach((raw, clientId) => {
      if (clientId === this.awareness.clientID) return;
      const state = raw as IndexState;
      const user = toUser(clientId, state);
      if (!user) return;
      everyone.push(user);
      if (typeof state.viewing === 'string') {
        const list = byTicket.get(state.viewing) ?? [];
        list.push(user);
        byTicket.set(state.viewing, list);
      }
    });
    for (const [ticketId, users] of byTicket) byTicket.set(ticketId, distinct(users, this.me.id));
    this.viewersByTicket = byTicket;
    this.online = distinct(everyone, this.me.id);
  }
}

export type TypingKind = 'reply' | 'note';

export interface TicketViewer extends PresenceUser {
  readonly typing: TypingKind | null;
}

/**
 * Presence on one ticket doc: who has the ticket open and who is typing in the reply box.
 * The `user` field ({ name, color }) is also what Tiptap's collaboration cursors read.
 */
export class TicketPresence {
  viewers = $state.raw<TicketViewer[]>([]);
  private readonly onChange = () => this.refresh();
  private typingTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly awareness: Awareness,
    private readonly me: { id: string; name: string; color: string },
  ) {
    awareness.setLocalStateField('user', me);
    awareness.setLocalStateField('typing', null);
    awareness.on('change', this.onChange);
    this.refresh();
  }

  /** Marks me as typing; clears itself 4 s after the last keystroke. */
  typing(kind: TypingKind): void {
    if ((this.awareness.getLocalState() as IndexState | null)?.typing !== kind) {
      this.awareness.setLocalStateField('typing', kind);
    }
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => this.awareness.setLocalStateField('typing', null), 4000);
  }

  stopTyping(): void {
    clearTimeout(this.typingTimer);
    this.awareness.setLocalStateField('typing', null);
  }

  destroy(): void {
    clearTimeout(this.typingTimer);
    this.awareness.off('change', this.onChange);
    this.awareness.setLocalState(null);
  }

  private refresh(): void {
    const out = new Map<string, TicketViewer>();
    this.awareness.getStates().forEach((raw, clientId) => {
      if (clientId === this.awareness.clientID) return;
      const state = raw as IndexState;
      const user = toUser(clientId, state);
      if (!user || user.id === this.me.id) return;
      const typing = state.typing === 'reply' || state.typing === 'note' ? state.typing : null;
      const existing = out.get(user.id);
      if (!existing || (typing && !existing.typing)) out.set(user.id, { ...user, typing });
    });
    this.viewers = [...out.values()];
  }
}
