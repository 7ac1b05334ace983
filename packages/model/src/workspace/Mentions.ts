import type * as Y from 'yjs';
import { SwitchableMap } from './SwitchableMap.ts';

export type MentionPlace =
  | { kind: 'ticket'; ticketId: string; commentId: string }
  | { kind: 'channel'; channelId: string; messageId: string };

export interface Mention {
  /** `<commentOrMessageId>:<userId>`, so a retried send does not notify twice. */
  readonly id: string;
  readonly userId: string;
  readonly byId: string;
  readonly byName: string;
  readonly at: number;
  readonly place: MentionPlace;
  readonly excerpt: string;
}

/**
 * Who was @mentioned where: root map `mentions` of the index doc. It lives in the shared
 * index (not the mentioned user's private doc) because the author must be able to write it;
 * it reveals nothing a member could not read in the comment itself. Each user keeps a
 * "seen up to" marker in their private user doc for the unread count.
 */
export class Mentions {
  readonly #root: SwitchableMap<unknown>;

  constructor(map: Y.Map<unknown>) {
    this.#root = new SwitchableMap(map);
  }

  private get map(): Y.Map<unknown> {
    return this.#root.map;
  }

  /** The same root of another doc (`WorkspaceIndex.switchTo`): observers are told. */
  switchTo(map: Y.Map<unknown>): void {
    this.#root.switchTo(map);
  }

  add(mention: Mention): void {
    if (!this.map.has(mention.id)) this.map.set(mention.id, mention);
  }

  forUser(userId: string): Mention[] {
    const out: Mention[] = [];
    this.map.forEach((value) => {
      const m = value as Mention | null;
      if (m && typeof m === 'object' && m.userId === userId) out.push(m);
    });
    return out.sort((a, b) => b.at - a.at);
  }

  observe(listener: () => void): () => void {
    return this.#root.observe(
      () => listener(),
      () => listener(),
    );
  }
}
