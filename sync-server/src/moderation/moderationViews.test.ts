import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  contentDisabledWords,
  type FirstPageResponse,
  type SnapshotContentsResponse,
  type SnapshotTicketResponse,
  type TicketSearchResponse,
} from '@desk/protocol';
import type { ExportListResponse } from '@desk/protocol/rest';
import { SESSION_COOKIE } from '../identity/sessionCookie.ts';
import {
  signUp,
  startAuthTestServer,
  type AuthTestServer,
  type TestClient,
} from '../testing/authTestServer.ts';
import { loginOperator } from '../testing/workspaceTestSupport.ts';
import {
  decide,
  report,
  seedWorkspace,
  type SeededWorkspace,
} from '../testing/moderationTestSupport.ts';
import { unzip } from '../testing/exportTestSupport.ts';

let t: AuthTestServer;
let operator: { client: TestClient; userId: string };
let owner: Awaited<ReturnType<typeof signUp>>;
let seeded: SeededWorkspace;

const TICKET = 'Copied manual';
const COMMENT = 'Slur in a comment';
const MESSAGE = 'Propaganda';
const FILE = 'Personal data';

/** Reports the item as the owner and disables it with `reason` as the operator. */
async function disable(item: Parameters<typeof report>[2], reason: string) {
  const res = await report(owner.client, owner.slug, item);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  await decide(operator.client, res.body.report.caseId, 'disable', reason);
}

beforeAll(async () => {
  t = await startAuthTestServer({ SNAPSHOT_INTERVAL_MINUTES: '0', BACKUP_INTERVAL_HOURS: '0' });
  operator = await loginOperator(t);
  owner = await signUp(t);
  seeded = await seedWorkspace(t, owner);
  await t.server.services.searchProjector.catchUp();
  await disable({ kind: 'ticket', docId: seeded.ticketDoc }, TICKET);
  await disable({ kind: 'comment', docId: seeded.otherTicketDoc, itemId: 'c9' }, COMMENT);
  await disable({ kind: 'message', docId: seeded.channelDoc, itemId: seeded.messageId }, MESSAGE);
  await disable({ kind: 'attachment', blobId: seeded.blob.sha256 }, FILE);
});
afterAll(() => t.close());

describe('MOD-6 server-side views redact disabled content', () => {
  it('the first page shows the words instead of a disabled ticket’s title', async () => {
    const res = await owner.client.get<FirstPageResponse>(
      `/api/workspaces/${owner.slug}/tickets/first-page`,
    );
    expect(res.status).toBe(200);
    const byId = new Map(res.body.rows.map((r) => [r.id, r]));
    expect(byId.get('tk1')).toMatchObject({
      title: contentDisabledWords(TICKET),
      tags: [],
      disabledReason: TICKET,
    });
    expect(byId.get('tk2')).toMatchObject({ title: 'Password reset' });
    expect(byId.get('tk2')).not.toHaveProperty('disabledReason');
  });

  it('search hits of a disabled ticket say so, and a disabled comment gives no snippet', async () => {
    const search = async (q: string) => {
      const res = await owner.client.get<TicketSearchResponse>(
        `/api/workspaces/${owner.slug}/search?q=${encodeURIComponent(q)}`,
      );
      expect(res.status).toBe(200);
      return res.body.hits;
    };
    expect(await search('smoking')).toEqual([
      {
        ticketId: 'tk1',
        number: 1,
        title: contentDisabledWords(TICKET),
        snippet: '',
        disabledReason: TICKET,
      },
    ]);
    const [fine] = await search('fine');
    expect(fine).toMatchObject({ ticketId: 'tk2', title: 'Password reset', snippet: '' });
  });

  it('an export leaves disabled content out and says why where it stood', async () => {
    const base = `/api/workspaces/${owner.slug}/exports`;
    expect((await owner.client.post(base)).status).toBe(202);
    await t.server.exports.service.idle();
    const list = await owner.client.get<ExportListResponse>(base);
    const ready = list.body.exports[0]!;
    expect(ready.state).toBe('ready');
    const download = await fetch(`${owner.client.baseUrl}${base}/${ready.id}/download`, {
      headers: {
        cookie: `${SESSION_COOKIE}=${owner.client.sessionToken}`,
        origin: owner.client.origin,
      },
    });
    expect(download.status).toBe(200);
    const archive = Buffer.from(await download.arrayBuffer());
    const entries = await unzip(archive);

    const tickets = JSON.parse(entries.get('tickets.json')!.toString()) as {
      id: string;
      title: string;
      comments: { id: string; body: string }[];
      description: { text: string };
      yjsFile: string | null;
    }[];
    const tk1 = tickets.find((x) => x.id === 'tk1')!;
    expect(tk1).toMatchObject({ title: contentDisabledWords(TICKET), comments: [], yjsFile: null });
    expect(tk1.description.text).toBe('');
    const tk2 = tickets.find((x) => x.id === 'tk2')!;
    expect(tk2.comments).toEqual([
      expect.objectContaining({ id: 'c9', body: contentDisabledWords(COMMENT) }),
    ]);
    const channels = JSON.parse(entries.get('channels.json')!.toString()) as {
      messages: { id: string; body: string }[];
    }[];
    expect(channels[0]!.messages).toEqual([
      expect.objectContaining({ id: 'm1', body: contentDisabledWords(MESSAGE) }),
    ]);
    const manifest = JSON.parse(entries.get('manifest.json')!.toString()) as {
      documents: { name: string }[];
      attachments: { sha256: string }[];
    };
    const names = manifest.documents.map((d) => d.name);
    expect(names).toContain('index');
    expect(names).toContain('notice:nt1');
    for (const held of ['ticket:tk1', 'ticket:tk2', 'channel:ch1'])
      expect(names).not.toContain(held);
    expect(manifest.attachments).toEqual([]);
    // The index is a copy whose disabled ticket's row says so; it still imports.
    const index = new Y.Doc();
    Y.applyUpdate(index, entries.get('yjs/index.bin')!);
    const row = index.getMap<Y.Map<unknown>>('tickets').get('tk1')!;
    expect(row.get('title')).toBe(contentDisabledWords(TICKET));
    const imported = await fetch(
      `${owner.client.baseUrl}/api/workspace-imports?name=Copy&slug=copy-${Date.now()}`,
      {
        method: 'POST',
        headers: {
          cookie: `${SESSION_COOKIE}=${owner.client.sessionToken}`,
          origin: owner.client.origin,
          'content-type': 'application/zip',
        },
        body: archive,
      },
    );
    expect(imported.status, await imported.clone().text()).toBe(201);
    // Not a byte of the disabled content in any file of the archive.
    for (const [name, bytes] of entries) {
      for (const text of [
        'Printer on fire',
        'smoking',
        'Insulting words here',
        'Fine words',
        'Propaganda message',
      ]) {
        expect(bytes.includes(text), `${text} in ${name}`).toBe(false);
      }
      expect(bytes.equals(Buffer.from(seeded.blob.bytes)), name).toBe(false);
    }
  });

  it('snapshot views redact titles, refuse a disabled ticket with 451 and hide a disabled comment', async () => {
    const base = `/api/workspaces/${owner.slug}/snapshots`;
    const taken = await owner.client.post<{ snapshot: { id: string } }>(base, { label: 'Check' });
    expect(taken.status, JSON.stringify(taken.body)).toBe(201);
    const id = taken.body.snapshot.id;
    const contents = await owner.client.get<SnapshotContentsResponse>(`${base}/${id}`);
    expect(contents.status).toBe(200);
    expect(contents.body.tickets.map((x) => [x.id, x.title])).toEqual(
      expect.arrayContaining([
        ['tk1', contentDisabledWords(TICKET)],
        ['tk2', 'Password reset'],
      ]),
    );
    const refused = await owner.client.get<{ error: { code: string; reason: string } }>(
      `${base}/${id}/tickets/tk1`,
    );
    expect(refused.status).toBe(451);
    expect(refused.body.error).toMatchObject({ code: 'content_disabled', reason: TICKET });
    const tk2 = await owner.client.get<SnapshotTicketResponse>(`${base}/${id}/tickets/tk2`);
    expect(tk2.status).toBe(200);
    expect(tk2.body.comments.map((c) => c.body)).toEqual([contentDisabledWords(COMMENT)]);
    const diff = await owner.client.get(`${base}/${id}/diff`);
    expect(diff.status).toBe(200);
    expect(JSON.stringify(diff.body)).not.toContain('Printer on fire');
  });
});

describe('MOD-4 a disabled document is not written by a restore either', () => {
  it('refuses restoring a disabled ticket from a snapshot with 451, and leaves its stored bytes', async () => {
    const base = `/api/workspaces/${owner.slug}/snapshots`;
    const taken = await owner.client.post<{ snapshot: { id: string } }>(base, { label: 'R' });
    expect(taken.status).toBe(201);
    const stored = t.server.services.docStore.load(seeded.ticketDoc)!;
    const before = Buffer.concat([stored.state ?? Buffer.alloc(0), ...stored.log]);
    const res = await owner.client.post<{ error: { code: string } }>(
      `${base}/${taken.body.snapshot.id}/restore`,
      { scope: 'ticket', ticketId: 'tk1' },
    );
    expect(res.status).toBe(451);
    expect(res.body.error.code).toBe('content_disabled');
    const after = t.server.services.docStore.load(seeded.ticketDoc)!;
    expect(Buffer.concat([after.state ?? Buffer.alloc(0), ...after.log]).equals(before)).toBe(true);
  });
});

describe('MOD-4 a workspace-wide restore leaves a disabled document as it is', () => {
  it('restores the other documents and not the disabled one', async () => {
    const base = `/api/workspaces/${owner.slug}/snapshots`;
    const taken = await owner.client.post<{ snapshot: { id: string } }>(base, { label: 'W' });
    expect(taken.status).toBe(201);
    // Both tickets change after the snapshot (as the server, so the disabled one can too).
    for (const docId of [seeded.ticketDoc, seeded.otherTicketDoc]) {
      const change = new Y.Doc();
      change.getMap('extra').set('after', 'snapshot');
      await t.server.sync.applyServerUpdate(docId, Y.encodeStateAsUpdate(change));
    }
    const bytes = (docId: string) => {
      const stored = t.server.services.docStore.load(docId)!;
      return Buffer.concat([stored.state ?? Buffer.alloc(0), ...stored.log]);
    };
    const disabledBefore = bytes(seeded.ticketDoc);
    const otherBefore = bytes(seeded.otherTicketDoc);
    const res = await owner.client.post(`${base}/${taken.body.snapshot.id}/restore`, {
      scope: 'workspace',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(bytes(seeded.ticketDoc).equals(disabledBefore)).toBe(true);
    expect(bytes(seeded.otherTicketDoc).equals(otherBefore)).toBe(false);
  });
});
