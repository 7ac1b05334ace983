import type * as Y from 'yjs';
import { SavedViews } from '../query/SavedViews.ts';
import { ensureSchema, type DocMigration, type SchemaState } from '../schema/SchemaVersion.ts';

export const USER_SCHEMA_VERSION = 1;
export const userMigrations: readonly DocMigration[] = [{ to: 1, up: () => undefined }];

/** Keys of read markers. */
export const readKey = {
  notice: (noticeId: string) => `notice:${noticeId}`,
  channel: (channelId: string) => `channel:${channelId}`,
  mentions: 'mentions',
};

/**
 * One member's private state in a workspace (`<ws>:user:<userId>`), synced across their
 * devices and readable by nobody else (the sync server lets only `userId` open it):
 *   views — personal saved views (SavedViews)
 *   reads — read markers: key → time read up to (ms)
 */
export class UserDoc {
  readonly views: SavedViews;
  readonly reads: Y.Map<number>;

  constructor(readonly doc: Y.Doc) {
    this.views = new SavedViews(doc.getMap('views'));
    this.reads = doc.getMap<number>('reads');
  }

  ensureSchema(): SchemaState {
    return ensureSchema(this.doc, USER_SCHEMA_VERSION, userMigrations);
  }

  readAt(key: string): number {
    const value = this.reads.get(key);
    return typeof value === 'number' ? value : 0;
  }

  /** Moves the marker forward only: reading on an old device never marks things unread. */
  markRead(key: string, at: number): void {
    if (this.readAt(key) < at) this.reads.set(key, at);
  }

  observe(listener: () => void): () => void {
    const handler = () => listener();
    this.reads.observe(handler);
    return () => this.reads.unobserve(handler);
  }
}
