import crypto from 'node:crypto';
import { expect } from 'vitest';
import { ChannelDoc, docIds, NoticeDoc, TicketDoc, WorkspaceIndex } from '@desk/model';
import type { ModerationCase, ModeratedItem } from '@desk/protocol';
import * as Y from 'yjs';
import { SESSION_COOKIE } from '../identity/sessionCookie.ts';
import type { AuthTestServer, TestClient } from '../testing/authTestServer.ts';

/** What `seedWorkspace` wrote: one of each item kind a member can report. */
export interface SeededWorkspace {
  ticketId: string;
  ticketDoc: string;
  commentId: string;
  noticeDoc: string;
  channelDoc: string;
  messageId: string;
  /** A second ticket nobody reports (must stay visible everywhere). */
  otherTicketDoc: string;
  blob: { sha256: string; bytes: Uint8Array };
}

/**
 * A workspace with a ticket (index row, description, one comment), another ticket, a notice,
 * a channel message and an uploaded file — written through the sync engine as a client's
 * updates would be, and the file through the upload route.
 */
export async function seedWorkspace(
  t: AuthTestServer,
  owner: { client: TestClient; slug: string; workspaceId: string; userId: string },
): Promise<SeededWorkspace> {
  const ws = owner.workspaceId;
  const actor = { id: owner.userId, name: 'Owner' };
  const now = t.clock.now;
  const sync = t.server.sync;

  const indexDoc = new Y.Doc();
  const index = new WorkspaceIndex(indexDoc);
  index.ensureSchema();
  index.tickets.create({ id: 'tk1', title: 'Printer on fire', number: 1 }, actor, now);
  index.tickets.create({ id: 'tk2', title: 'Password reset', number: 2 }, actor, now);
  index.notices.create('nt1', 'Office closed', actor, now);
  index.channels.create('ch1', 'general', actor, now);
  await sync.applyServerUpdate(docIds.index(ws), Y.encodeStateAsUpdate(indexDoc));

  const ticket = new TicketDoc(new Y.Doc());
  ticket.ensureSchema();
  const text = new Y.XmlText('The printer in room 4 is smoking.');
  const paragraph = new Y.XmlElement('paragraph');
  paragraph.insert(0, [text]);
  ticket.description.insert(0, [paragraph]);
  ticket.addComment({ id: 'c1', kind: 'reply', body: 'Insulting words here' }, actor, now);
  await sync.applyServerUpdate(docIds.ticket(ws, 'tk1'), Y.encodeStateAsUpdate(ticket.doc));

  const other = new TicketDoc(new Y.Doc());
  other.ensureSchema();
  other.addComment({ id: 'c9', kind: 'reply', body: 'Fine words' }, actor, now);
  await sync.applyServerUpdate(docIds.ticket(ws, 'tk2'), Y.encodeStateAsUpdate(other.doc));

  const notice = new NoticeDoc(new Y.Doc());
  notice.ensureSchema();
  const noticeText = new Y.XmlElement('paragraph');
  noticeText.insert(0, [new Y.XmlText('Closed on Friday.')]);
  notice.body.insert(0, [noticeText]);
  await sync.applyServerUpdate(docIds.notice(ws, 'nt1'), Y.encodeStateAsUpdate(notice.doc));

  const channel = new ChannelDoc(new Y.Doc());
  channel.ensureSchema();
  channel.post({ id: 'm1', body: 'Propaganda message' }, actor, now);
  await sync.applyServerUpdate(docIds.channel(ws, 'ch1'), Y.encodeStateAsUpdate(channel.doc));

  const bytes = new TextEncoder().encode(`plain text file ${crypto.randomUUID()}\n`);
  const res = await fetch(`${owner.client.baseUrl}/api/workspaces/${owner.slug}/blobs`, {
    method: 'POST',
    headers: {
      origin: owner.client.origin,
      cookie: `${SESSION_COOKIE}=${owner.client.sessionToken}`,
      'content-type': 'text/plain',
      'x-file-name': 'notes.txt',
    },
    body: bytes,
  });
  expect(res.status, await res.clone().text()).toBe(201);
  const { sha256 } = (await res.json()) as { sha256: string };

  return {
    ticketId: 'tk1',
    ticketDoc: docIds.ticket(ws, 'tk1'),
    commentId: 'c1',
    noticeDoc: docIds.notice(ws, 'nt1'),
    channelDoc: docIds.channel(ws, 'ch1'),
    messageId: 'm1',
    otherTicketDoc: docIds.ticket(ws, 'tk2'),
    blob: { sha256, bytes },
  };
}

/** A member's report through the route; the answer's status and body. */
export function report(
  client: TestClient,
  slug: string,
  item: ModeratedItem,
  category = 'harm',
  text = 'Please look at this.',
) {
  return client.post<{ report: { id: string; caseId: string; itemKey: string } }>(
    `/api/workspaces/${slug}/reports`,
    { item, category, text },
  );
}

/** The operator's decision on a case; expects 200 and returns the case. */
export async function decide(
  operator: TestClient,
  caseId: string,
  action: 'disable' | 'enable',
  reason: string,
): Promise<ModerationCase> {
  const res = await operator.post<{ case: ModerationCase }>(
    `/api/operator/cases/${caseId}/${action}`,
    { reason },
  );
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.case;
}
