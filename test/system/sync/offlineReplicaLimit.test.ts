import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { postComment, TicketDoc, WorkspaceIndex } from '@desk/model';
import { DocErrorCode } from '@desk/protocol';
import { makeTempDir } from '../../support/tempDir.ts';
import {
  CuttableClient,
  ownerWithToken,
  startDeskServer,
  until,
} from '../snapshots/deskTestServer.ts';

/**
 * The offline-replica limit for every document, against the real server with accounts
 * (SPEC IDX-GEN-7): a device offline longer than `OFFLINE_REPLICA_LIMIT_DAYS` writes back
 * neither its ticket documents nor its index rows; each document is reloaded from the
 * server and what the device wrote while away is kept as a draft. What others wrote
 * meanwhile is there; after the reload the device writes as usual.
 */
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

// Below the trial's 14 days: past them the workspace turns read-only, another refusal.
const LIMIT_DAYS = 5;
const DAY = 24 * 3_600_000;
const ana = { id: 'ana', name: 'Ana' };
const bo = { id: 'bo', name: 'Bo' };

const bodies = (doc: Y.Doc) =>
  new TicketDoc(doc)
    .listComments()
    .map((c) => c.body)
    .sort();

describe('the offline-replica limit on the real server', () => {
  it('IDX-GEN-7: a device back after the limit has its ticket and index writes kept as drafts, reloads both, and writes again', async () => {
    const temp = makeTempDir('desk-replica-limit-');
    cleanups.push(() => temp.remove());
    const t = await startDeskServer(temp.dir, 0, {
      OFFLINE_REPLICA_LIMIT_DAYS: String(LIMIT_DAYS),
      INDEX_REWRITE_MIN_BYTES: '0',
    });
    cleanups.push(() => t.close());
    const owner = await ownerWithToken(t);
    const ws = owner.workspaceId;
    const indexId = `${ws}:index`;
    const ticketId = `${ws}:ticket:t1`;
    const device = () => {
      const c = new CuttableClient(() => t.server.url, owner.token);
      cleanups.push(() => c.client.close());
      return c;
    };

    // The laptop makes a ticket and catches up (which stamps its replica).
    const laptop = device();
    const index = laptop.client.open(indexId);
    const ticket = laptop.client.open(ticketId);
    await Promise.all([index.whenSynced, ticket.whenSynced]);
    new WorkspaceIndex(index.doc).tickets.create(
      { id: 't1', title: 'Printer on fire', number: 1 },
      ana,
      t.clock.now,
    );
    new TicketDoc(ticket.doc).recordCreated(ana, t.clock.now);
    await until(
      async () =>
        (await laptop.client.store.getWorkspaceMeta(ws))?.syncedAt !== undefined &&
        index.pending === 0 &&
        ticket.pending === 0,
      'the laptop caught up and saved',
    );

    // It goes away; a colleague keeps working; the laptop's user works offline.
    laptop.offline();
    const post = (idx: Y.Doc, tk: Y.Doc, id: string, body: string, actor: typeof ana) =>
      postComment(
        new WorkspaceIndex(idx),
        new TicketDoc(tk),
        't1',
        { id, kind: 'reply', body },
        actor,
        t.clock.now,
      );
    post(index.doc, ticket.doc, 'c-offline', 'Written in the cabin', ana);
    new WorkspaceIndex(index.doc).tickets.update('t1', { status: 'pending' }, t.clock.now);
    t.clock.advance((LIMIT_DAYS + 1) * DAY);
    const desk = device();
    const deskIndex = desk.client.open(indexId);
    const deskTicket = desk.client.open(ticketId);
    await Promise.all([deskIndex.whenSynced, deskTicket.whenSynced]);
    post(deskIndex.doc, deskTicket.doc, 'c-desk', 'Fire is out', bo);
    await until(() => deskIndex.pending === 0 && deskTicket.pending === 0, 'the colleague saved');

    laptop.online();
    await until(
      () => ticket.refused.length === 1 && index.refused.length === 1,
      'both documents to refuse the offline work',
    );
    expect(ticket.refused[0]!.code).toBe(DocErrorCode.replicaTooOld);
    expect(index.refused[0]!.code).toBe(DocErrorCode.replicaTooOld);
    await until(
      () =>
        ticket.status.kind === 'synced' &&
        index.status.kind === 'synced' &&
        ticket.pending === 0 &&
        index.pending === 0,
      'both reloaded from the server',
    );
    // The laptop holds what the server holds: the colleague's comment, not its own.
    expect(bodies(ticket.doc)).toEqual(['Fire is out']);
    expect(new WorkspaceIndex(index.doc).tickets.get('t1')?.status).toBe('new');
    const server = new Y.Doc();
    Y.applyUpdate(server, await t.server.sync.readDocState(ticketId));
    expect(bodies(server)).toEqual(['Fire is out']);
    // Nothing of the offline work is lost: each draft holds it.
    const draft = new Y.Doc();
    Y.applyUpdate(draft, Y.encodeStateAsUpdate(ticket.doc));
    Y.applyUpdate(draft, ticket.refused[0]!.update);
    expect(bodies(draft)).toEqual(['Fire is out', 'Written in the cabin']);
    const indexDraft = new Y.Doc();
    Y.applyUpdate(indexDraft, Y.encodeStateAsUpdate(index.doc));
    Y.applyUpdate(indexDraft, index.refused[0]!.update);
    expect(new WorkspaceIndex(indexDraft).tickets.get('t1')?.status).toBe('pending');

    // Reloaded and stamped anew, the laptop writes as any device does.
    post(index.doc, ticket.doc, 'c-after', 'Back at my desk', ana);
    await until(async () => {
      const now = new Y.Doc();
      Y.applyUpdate(now, await t.server.sync.readDocState(ticketId));
      return bodies(now).includes('Back at my desk');
    }, 'the later comment on the server');
    expect(ticket.refused).toHaveLength(1);
  }, 120_000);
});
