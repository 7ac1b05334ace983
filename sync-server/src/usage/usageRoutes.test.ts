import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  ErrorCode,
  NEW_TICKET_INDEX_BYTES,
  NewTicketRefusal,
  UsageLimitName,
} from '@desk/protocol';
import { WorkspaceUsageResponse, type UsageMeter } from '@desk/protocol/rest';
import { plans } from '../billing/plans.ts';
import { signUp, startAuthTestServer, type AuthTestServer } from '../testing/authTestServer.ts';
import { addMember } from '../testing/workspaceTestSupport.ts';

let t: AuthTestServer;
beforeAll(async () => {
  t = await startAuthTestServer();
});
afterAll(() => t.close());

const trial = plans.trial;

async function usageOf(owner: Awaited<ReturnType<typeof signUp>>) {
  const res = await owner.client.get(`/api/workspaces/${owner.slug}/usage`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  // The body is exactly the protocol's schema (strict: no field more, none missing).
  return WorkspaceUsageResponse.parse(res.body);
}

function meter(usage: WorkspaceUsageResponse, name: UsageLimitName): UsageMeter {
  const found = usage.meters.find((m) => m.name === name);
  if (!found) throw new Error(`no ${name} meter`);
  return found;
}

/** One update whose stored size is exactly `bytes` (ASCII text, padded past varint steps). */
function updateOfSize(bytes: number): Uint8Array {
  const encode = (n: number, pad: number) => {
    const doc = new Y.Doc();
    doc.getText('t').insert(0, 'x'.repeat(n));
    if (pad > 0) doc.getText('p').insert(0, 'y'.repeat(pad));
    return Y.encodeStateAsUpdate(doc);
  };
  const overhead = encode(bytes, 0).byteLength - bytes;
  for (let pad = 0; pad < 64; pad++) {
    const update = encode(bytes - overhead - pad - 8, pad);
    const missing = bytes - update.byteLength;
    if (missing === 0) return update;
    const adjusted = encode(bytes - overhead - pad - 8 + missing, pad);
    if (adjusted.byteLength === bytes) return adjusted;
  }
  throw new Error(`no update of exactly ${bytes} bytes`);
}

/** Writes `bytes` into a new document through the sync engine (stored as a client's update is). */
async function write(docId: string, bytes: number): Promise<void> {
  await t.server.sync.applyServerUpdate(docId, updateOfSize(bytes));
}

describe('GET /api/workspaces/:slug/usage', () => {
  it('shows a new workspace far from every limit of its plan, new tickets allowed', async () => {
    const owner = await signUp(t);
    const usage = await usageOf(owner);
    expect(usage.plan).toEqual({ id: 'trial', name: trial.name });
    expect(usage.meters.map((m) => m.name)).toEqual([
      UsageLimitName.documentSize,
      UsageLimitName.storage,
      UsageLimitName.seats,
      UsageLimitName.tickets,
    ]);
    expect(meter(usage, UsageLimitName.documentSize)).toMatchObject({
      used: 0,
      limit: trial.documentSizeLimitBytes,
    });
    expect(meter(usage, UsageLimitName.storage)).toMatchObject({
      used: 0,
      limit: trial.storageQuotaBytes,
    });
    expect(meter(usage, UsageLimitName.seats)).toMatchObject({ used: 1, limit: trial.seatLimit });
    expect(meter(usage, UsageLimitName.tickets)).toMatchObject({
      used: 0,
      limit: trial.ticketLimit,
    });
    expect(usage.newTickets).toEqual({ allowed: true, reason: null });
  });

  it('counts documents, their total size and the largest; tickets by their documents', async () => {
    const owner = await signUp(t);
    const ws = owner.workspaceId;
    await write(`${ws}:index`, 300_000);
    await write(`${ws}:ticket:a`, 2_000);
    await write(`${ws}:ticket:b`, 3_000);
    await write(`${ws}:notice:n`, 1_000);
    const usage = await usageOf(owner);
    expect(usage.documents).toEqual({
      count: 4,
      totalBytes: 306_000,
      largest: { docId: `${ws}:index`, bytes: 300_000 },
      indexBytes: 300_000,
    });
    expect(meter(usage, UsageLimitName.documentSize).used).toBe(300_000);
    expect(meter(usage, UsageLimitName.tickets).used).toBe(2);
  });

  it('counts the newest index generation once the server rewrote the index (IDX-GEN-1), not the full one it replaced', async () => {
    const limit = trial.documentSizeLimitBytes;
    const owner = await signUp(t);
    const ws = owner.workspaceId;
    await write(`${ws}:index`, limit - 10);
    await write(`${ws}:index:g2`, 200_000);
    await write(`${ws}:index:head`, 100);
    await write(`${ws}:ticket:a`, 2_000);
    const usage = await usageOf(owner);
    expect(usage.documents).toMatchObject({
      largest: { docId: `${ws}:index:g2`, bytes: 200_000 },
      indexBytes: 200_000,
    });
    expect(usage.newTickets).toEqual({ allowed: true, reason: null });
  });

  it('takes new tickets while the index has room for one more record, and refuses them after', async () => {
    const limit = trial.documentSizeLimitBytes;
    const under = await signUp(t);
    await write(`${under.workspaceId}:index`, limit - NEW_TICKET_INDEX_BYTES);
    expect((await usageOf(under)).newTickets).toEqual({ allowed: true, reason: null });

    const at = await signUp(t);
    await write(`${at.workspaceId}:index`, limit - NEW_TICKET_INDEX_BYTES + 1);
    const atUsage = await usageOf(at);
    expect(atUsage.newTickets).toEqual({ allowed: false, reason: NewTicketRefusal.indexFull });
    expect(meter(atUsage, UsageLimitName.documentSize).used).toBeLessThan(limit);

    // Over: e.g. after a move to a plan with a smaller limit. Still readable, still full.
    const over = await signUp(t);
    await write(`${over.workspaceId}:index`, limit + 1);
    const overUsage = await usageOf(over);
    expect(meter(overUsage, UsageLimitName.documentSize)).toMatchObject({ used: limit + 1, limit });
    expect(overUsage.newTickets.allowed).toBe(false);
  });

  it('does not refuse new tickets because one ticket document is at the limit', async () => {
    const owner = await signUp(t);
    await write(`${owner.workspaceId}:ticket:big`, trial.documentSizeLimitBytes);
    const usage = await usageOf(owner);
    expect(meter(usage, UsageLimitName.documentSize)).toMatchObject({
      used: trial.documentSizeLimitBytes,
      limit: trial.documentSizeLimitBytes,
    });
    expect(usage.newTickets.allowed).toBe(true);
  });

  it('LIMIT-8 reports storage (documents plus attachments) under, at and over the quota as BlobQuota counts it', async () => {
    const owner = await signUp(t);
    const quota = trial.storageQuotaBytes;
    // The stored files' accounting rows (their bytes would be a gigabyte on disk).
    const addFile = (sha256: string, size: number) => {
      t.server.ctx.db
        .prepare('INSERT INTO blobs (sha256, size, created_at) VALUES (?, ?, 0)')
        .run(sha256, size);
      t.server.ctx.db
        .prepare(
          `INSERT INTO workspace_blobs (workspace_id, sha256, name, type, size, uploaded_by, uploaded_at)
           VALUES (?, ?, 'f', 'application/pdf', ?, ?, 0)`,
        )
        .run(owner.workspaceId, sha256, size, owner.userId);
    };
    await write(`${owner.workspaceId}:ticket:doc`, 1_000);
    addFile('a'.repeat(64), quota - 1_010);
    expect(meter(await usageOf(owner), UsageLimitName.storage)).toEqual({
      name: UsageLimitName.storage,
      unit: 'bytes',
      used: quota - 10,
      limit: quota,
    });
    addFile('b'.repeat(64), 10);
    expect(meter(await usageOf(owner), UsageLimitName.storage).used).toBe(quota);
    addFile('c'.repeat(64), 1);
    expect(meter(await usageOf(owner), UsageLimitName.storage).used).toBe(quota + 1);
    // Storage full stops new content in documents too (LIMIT-12): the app refuses a new
    // ticket up front.
    expect((await usageOf(owner)).newTickets).toEqual({
      allowed: false,
      reason: NewTicketRefusal.storageFull,
    });
  });

  it('reports seats against the operator’s override under, at and over it', async () => {
    const owner = await signUp(t);
    const member = await addMember(t, owner.client, owner.slug, `m${owner.slug}@example.com`);
    const setLimit = (limit: number) =>
      t.server.services.subscriptions.setSeatLimitOverride(owner.workspaceId, limit, {
        kind: 'system',
        userId: null,
      });
    setLimit(3);
    expect(meter(await usageOf(owner), UsageLimitName.seats)).toMatchObject({ used: 2, limit: 3 });
    setLimit(2);
    expect(meter(await usageOf(owner), UsageLimitName.seats)).toMatchObject({ used: 2, limit: 2 });
    setLimit(1);
    expect(meter(await usageOf(owner), UsageLimitName.seats)).toMatchObject({ used: 2, limit: 1 });
    // Every member reads it (their app warns and refuses new tickets up front).
    const asMember = await member.client.get(`/api/workspaces/${owner.slug}/usage`);
    expect(asMember.status).toBe(200);
  });

  it('answers 404 to a non-member, exactly as for a missing workspace, and 401 without login', async () => {
    const owner = await signUp(t);
    const stranger = await signUp(t);
    const res = await stranger.client.get(`/api/workspaces/${owner.slug}/usage`);
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: { code: ErrorCode.notFound } });
    expect((await t.client().get(`/api/workspaces/${owner.slug}/usage`)).status).toBe(401);
  });
});
