import * as Y from 'yjs';
import type { Actor } from '../Actor.ts';
import { ModelError, ModelErrorCode } from '../ModelError.ts';
import { validateBody } from '../schema/fields.ts';
import {
  readNullableNumber,
  readNumber,
  readString,
  readStringArray,
  type AnyMap,
} from '../schema/read.ts';
import { ensureSchema, type DocMigration, type SchemaState } from '../schema/SchemaVersion.ts';
import { isAttachmentRef, type AttachmentRef } from '../ticket/Attachment.ts';

export const CHANNEL_SCHEMA_VERSION = 1;
export const channelMigrations: readonly DocMigration[] = [{ to: 1, up: () => undefined }];

export interface MessageRecord {
  readonly id: string;
  readonly authorId: string;
  readonly authorName: string;
  readonly body: string;
  readonly mentions: readonly string[];
  readonly attachments: readonly AttachmentRef[];
  readonly createdAt: number;
  readonly editedAt: number | null;
  readonly deleted: boolean;
}

export interface NewMessage {
  id: string;
  body: string;
  mentions?: string[];
  attachments?: AttachmentRef[];
}

/**
 * A chat channel's messages (`<ws>:channel:<id>`): root map `messages`, id → Y.Map. Keyed
 * by client-made ids so a retried send is a no-op; ordered by createdAt then id.
 */
export class ChannelDoc {
  readonly messages: Y.Map<AnyMap>;

  constructor(readonly doc: Y.Doc) {
    this.messages = doc.getMap<AnyMap>('messages');
  }

  ensureSchema(): SchemaState {
    return ensureSchema(this.doc, CHANNEL_SCHEMA_VERSION, channelMigrations);
  }

  list(): MessageRecord[] {
    const out: MessageRecord[] = [];
    this.messages.forEach((entry, id) => {
      if (entry instanceof Y.Map) out.push(readMessage(id, entry));
    });
    return out.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  }

  post(input: NewMessage, actor: Actor, now: number): MessageRecord {
    const existing = this.messages.get(input.id);
    if (existing instanceof Y.Map) return readMessage(input.id, existing);
    const hasAttachments = (input.attachments ?? []).length > 0;
    const body = hasAttachments && !input.body.trim() ? '' : validateBody(input.body);
    const entry = new Y.Map<unknown>();
    entry.set('authorId', actor.id);
    entry.set('authorName', actor.name);
    entry.set('body', body);
    entry.set('mentions', input.mentions ?? []);
    entry.set('attachments', (input.attachments ?? []).filter(isAttachmentRef));
    entry.set('createdAt', now);
    entry.set('editedAt', null);
    entry.set('deleted', false);
    this.messages.set(input.id, entry);
    return readMessage(input.id, entry);
  }

  edit(id: string, body: string, actor: Actor, now: number): void {
    const entry = this.own(id, actor);
    this.doc.transact(() => {
      entry.set('body', validateBody(body));
      entry.set('editedAt', now);
    });
  }

  setDeleted(id: string, deleted: boolean, actor: Actor): void {
    this.own(id, actor).set('deleted', deleted);
  }

  observe(listener: () => void): () => void {
    const handler = () => listener();
    this.messages.observeDeep(handler);
    return () => this.messages.unobserveDeep(handler);
  }

  private own(id: string, actor: Actor): AnyMap {
    const entry = this.messages.get(id);
    if (!(entry instanceof Y.Map)) {
      throw new ModelError(ModelErrorCode.notFound, 'This message does not exist (any more).');
    }
    if (entry.get('authorId') !== actor.id) {
      throw new ModelError(ModelErrorCode.notAllowed, 'Only the author can change a message.');
    }
    return entry;
  }
}

function readMessage(id: string, map: AnyMap): MessageRecord {
  const attachments = map.get('attachments');
  return {
    id,
    authorId: readString(map, 'authorId'),
    authorName: readString(map, 'authorName', 'Someone'),
    body: readString(map, 'body'),
    mentions: readStringArray(map, 'mentions'),
    attachments: Array.isArray(attachments) ? attachments.filter(isAttachmentRef) : [],
    createdAt: readNumber(map, 'createdAt'),
    editedAt: readNullableNumber(map, 'editedAt'),
    deleted: map.get('deleted') === true,
  };
}
