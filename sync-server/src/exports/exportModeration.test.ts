import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { TicketDoc } from '@desk/model';
import { contentDisabledWords } from '@desk/protocol';
import type { ExportListResponse } from '@desk/protocol/rest';
import { SESSION_COOKIE } from '../identity/sessionCookie.ts';
import {
  signUp,
  startAuthTestServer,
  type AuthTestServer,
  type TestClient,
} from '../testing/authTestServer.ts';
import { loginOperator } from '../testing/workspaceTestSupport.ts';
import { decide, report, seedWorkspace } from '../testing/moderationTestSupport.ts';
import { unzip } from '../testing/exportTestSupport.ts';

let t: AuthTestServer;
let operator: { client: TestClient; userId: string };

beforeAll(async () => {
  t = await startAuthTestServer({ SNAPSHOT_INTERVAL_MINUTES: '0', BACKUP_INTERVAL_HOURS: '0' });
  operator = await loginOperator(t);
});
afterAll(() => t.close());

describe('MOD-6 an export names disabled files by the words and drops a disabled comment’s files', () => {
  it('keeps no name of a disabled file nor of a file on a disabled comment', async () => {
    const owner = await signUp(t);
    const seed = await seedWorkspace(t, owner);
    const me = { id: owner.userId, name: 'Owner' };
    const file = (id: string, name: string) => ({
      id,
      sha256: seed.blob.sha256,
      name,
      type: 'text/plain',
      size: seed.blob.bytes.byteLength,
      uploadedBy: owner.userId,
      uploadedAt: 4,
    });
    // On tk2: the file attached to the ticket, and a comment carrying it under another name.
    const stored = t.server.services.docStore.load(seed.otherTicketDoc)!;
    const doc = new Y.Doc();
    for (const update of [stored.state, ...stored.log]) if (update) Y.applyUpdate(doc, update);
    const before = Y.encodeStateVector(doc);
    const ticket = new TicketDoc(doc);
    ticket.addAttachment(file('a1', 'salaries-2026.txt'), me, 4);
    ticket.addComment(
      {
        id: 'c10',
        kind: 'reply',
        body: 'See the scan',
        attachments: [file('a2', 'contract-scan.txt')],
      },
      me,
      5,
    );
    await t.server.sync.applyServerUpdate(seed.otherTicketDoc, Y.encodeStateAsUpdate(doc, before));
    const disable = async (item: Parameters<typeof report>[2], reason: string) => {
      const res = await report(owner.client, owner.slug, item);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      await decide(operator.client, res.body.report.caseId, 'disable', reason);
    };
    await disable({ kind: 'attachment', blobId: seed.blob.sha256 }, 'Personal data');
    await disable({ kind: 'comment', docId: seed.otherTicketDoc, itemId: 'c10' }, 'Harassment');

    const base = `/api/workspaces/${owner.slug}/exports`;
    expect((await owner.client.post(base)).status).toBe(202);
    await t.server.exports.service.idle();
    const ready = (await owner.client.get<ExportListResponse>(base)).body.exports[0]!;
    expect(ready.state).toBe('ready');
    const download = await fetch(`${owner.client.baseUrl}${base}/${ready.id}/download`, {
      headers: {
        cookie: `${SESSION_COOKIE}=${owner.client.sessionToken}`,
        origin: owner.client.origin,
      },
    });
    expect(download.status).toBe(200);
    const entries = await unzip(Buffer.from(await download.arrayBuffer()));
    const tickets = JSON.parse(entries.get('tickets.json')!.toString()) as {
      id: string;
      attachments: { name: string }[];
      comments: { id: string; body: string; attachments: { name: string }[] }[];
    }[];
    const tk2 = tickets.find((x) => x.id === 'tk2')!;
    expect(tk2.attachments.map((a) => a.name)).toEqual([contentDisabledWords('Personal data')]);
    expect(tk2.comments.find((c) => c.id === 'c10')).toMatchObject({
      body: contentDisabledWords('Harassment'),
      attachments: [],
    });
    for (const [name, bytes] of entries) {
      for (const text of ['salaries-2026', 'contract-scan', 'See the scan']) {
        expect(bytes.includes(text), `${text} in ${name}`).toBe(false);
      }
    }
  });
});
