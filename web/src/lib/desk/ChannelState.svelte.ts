import {
  ChannelDoc,
  docIds,
  ModelError,
  readKey,
  type AttachmentRef,
  type ChannelRecord,
  type MessageRecord,
} from '@desk/model';
import type { DocHandle } from '$lib/offline/DocSource.ts';
import type { DeskWorkspace } from './DeskWorkspace.svelte.ts';
import { docLimitRefusal } from './docLimit.ts';
import { disabledAttachmentRefusal } from '$lib/moderation/attachmentRefusal.ts';

/** One open chat channel: its messages (live), its record, and my read marker. */
export class ChannelState {
  record = $state.raw<ChannelRecord | null>(null);
  messages = $state.raw<MessageRecord[]>([]);
  error = $state<string | null>(null);
  readonly handle: DocHandle;
  readonly channel: ChannelDoc;
  private cleanups: (() => void)[] = [];

  constructor(
    private readonly desk: DeskWorkspace,
    readonly channelId: string,
  ) {
    this.handle = desk.source.open(docIds.channel(desk.workspace!.id, channelId));
    this.channel = new ChannelDoc(this.handle.doc);
    this.record = desk.index.channels.get(channelId);
    this.messages = this.channel.list();
    this.cleanups.push(
      desk.index.channels.observe(() => (this.record = desk.index.channels.get(channelId))),
      this.channel.observe(() => {
        this.messages = this.channel.list();
        this.markRead();
      }),
    );
    void this.handle.whenLoaded.then(() => {
      this.channel.ensureSchema();
      this.messages = this.channel.list();
      this.markRead();
    });
    this.markRead();
  }

  /** Idempotent per message id (from the draft). Mentions notify through the index. */
  post(id: string, body: string, mentions: string[], attachments: AttachmentRef[]): boolean {
    if (!this.desk.canWrite) {
      this.error = 'This workspace is read-only for you; the message was not sent.';
      return false;
    }
    // Terms §4: a file whose access the operator disabled is not sent again.
    const disabledFile = disabledAttachmentRefusal(attachments, (sha) =>
      this.desk.disabled.attachment(sha),
    );
    if (disabledFile !== null) {
      this.error = disabledFile;
      return false;
    }
    const tooLarge = docLimitRefusal(this.handle, body + JSON.stringify(attachments), 'channel');
    if (tooLarge !== null) {
      this.error = tooLarge;
      return false;
    }
    try {
      const now = Date.now();
      const message = this.channel.post({ id, body, mentions, attachments }, this.desk.actor, now);
      const index = this.desk.index;
      index.doc.transact(() => {
        index.channels.noteMessage(this.channelId, message.createdAt);
        for (const userId of message.mentions) {
          if (userId === this.desk.actor.id) continue;
          index.mentions.add({
            id: `${message.id}:${userId}`,
            userId,
            byId: this.desk.actor.id,
            byName: this.desk.actor.name,
            at: message.createdAt,
            place: { kind: 'channel', channelId: this.channelId, messageId: message.id },
            excerpt: message.body.slice(0, 140),
          });
        }
      });
      this.error = null;
      return true;
    } catch (error) {
      this.error = error instanceof ModelError ? error.message : 'The message could not be sent.';
      return false;
    }
  }

  rename(name: string): boolean {
    try {
      this.desk.index.channels.rename(this.channelId, name);
      this.error = null;
      return true;
    } catch (error) {
      this.error =
        error instanceof ModelError ? error.message : 'The channel could not be renamed.';
      return false;
    }
  }

  setArchived(archived: boolean): void {
    this.desk.index.channels.setArchived(this.channelId, archived);
  }

  destroy(): void {
    for (const cleanup of this.cleanups) cleanup();
    this.handle.release();
  }

  private markRead(): void {
    const last = this.messages.at(-1)?.createdAt ?? this.record?.lastMessageAt ?? 0;
    if (last) this.desk.user.markRead(readKey.channel(this.channelId), last);
  }
}
