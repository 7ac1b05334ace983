import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createTicket, docIds, postComment, TicketDoc, WorkspaceIndex } from '@desk/model';
import { DELETED_USER_NAME, type ExportListResponse } from '@desk/protocol';
import { getBytes, getJson, postJson, unzip } from '../testing/exportTestSupport.ts';
import { signUp, startAuthTestServer, type AuthTestServer } from '../testing/authTestServer.ts';
import { addMember } from '../testing/workspaceTestSupport.ts';

let t: AuthTestServer;
beforeAll(async () => {
  t = await startAuthTestServer({ SNAPSHOT_INTERVAL_MINUTES: '0', BACKUP_INTERVAL_HOURS: '0' });
});
afterAll(() => t.close());

describe('an export after a member deleted their account (issue 16)', () => {
  it('keeps what they wrote, attributed to "Deleted user" as the app shows it, in every JSON file', async () => {
    const owner = await signUp(t);
    const agent = await addMember(t, owner.client, owner.slug, 'bo.leaving@example.com');
    // A ticket by the owner with a reply by the agent, as the app writes them.
    const indexDoc = new Y.Doc();
    const index = new WorkspaceIndex(indexDoc);
    index.ensureSchema();
    const ticketDoc = new Y.Doc();
    const ticket = new TicketDoc(ticketDoc);
    ticket.ensureSchema();
    const ana = { id: owner.userId, name: 'Ana Owner' };
    const bo = { id: agent.userId, name: 'Bo Leaving' };
    createTicket(
      index,
      ticket,
      { id: 'leaverticket', title: 'Printer on fire', number: 1 },
      ana,
      1,
    );
    postComment(
      index,
      ticket,
      'leaverticket',
      { id: 'c1', kind: 'reply', body: 'Put it out.' },
      bo,
      2,
    );
    await t.server.sync.applyServerUpdate(
      docIds.ticket(owner.workspaceId, 'leaverticket'),
      Y.encodeStateAsUpdate(ticketDoc),
    );
    await t.server.sync.applyServerUpdate(
      docIds.index(owner.workspaceId),
      Y.encodeStateAsUpdate(indexDoc),
    );
    const deleted = await agent.client.request('DELETE', '/api/auth/me', {
      body: { password: 'correct horse battery staple' },
    });
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(200);

    const base = `/api/workspaces/${owner.slug}/exports`;
    expect((await postJson(t.server, owner.client, base)).status).toBe(202);
    await t.server.exports.service.idle();
    const ready = (await getJson<ExportListResponse>(t.server, owner.client, base)).body
      .exports[0]!;
    const zip = await unzip(
      (await getBytes(t.server, owner.client, `${base}/${ready.id}/download`)).bytes,
    );

    const tickets = JSON.parse(zip.get('tickets.json')!.toString()) as {
      comments: { authorId: string; authorName: string; body: string }[];
    }[];
    const reply = tickets[0]!.comments.find((c) => c.body === 'Put it out.');
    expect(reply).toMatchObject({ authorId: agent.userId, authorName: DELETED_USER_NAME });
    for (const [name, bytes] of zip) {
      if (name.endsWith('.json') || name.endsWith('.csv'))
        expect(bytes.toString(), name).not.toContain('Bo Leaving');
    }
    // The owner's own words keep their name.
    expect(zip.get('tickets.json')!.toString()).toContain('Ana Owner');
  });
});
