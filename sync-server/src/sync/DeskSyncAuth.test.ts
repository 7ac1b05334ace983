import { afterEach, describe, expect, it } from 'vitest';
import { plans } from '../billing/plans.ts';
import { signUp, startAuthTestServer, type AuthTestServer } from '../testing/authTestServer.ts';
import { DeskSyncAuth } from './DeskSyncAuth.ts';

describe('DeskSyncAuth: the plan limits a subscription gets', () => {
  let t: AuthTestServer | null = null;
  afterEach(async () => {
    await t?.close();
    t = null;
  });

  let workspaceId = '';
  const grantFor = async (env: Record<string, string>) => {
    t = await startAuthTestServer(env);
    const owner = await signUp(t);
    workspaceId = owner.workspaceId;
    const principal = { userId: owner.userId, sessionId: null, tokenId: null };
    const authorization = await new DeskSyncAuth(t.server.services).authorize(
      principal,
      owner.workspaceId,
    );
    if (!authorization.ok) throw new Error(`not authorized: ${authorization.code}`);
    return authorization;
  };
  const limitFor = async (env: Record<string, string>) => (await grantFor(env)).maxDocBytes;

  it("is the workspace plan's (a new workspace is in trial)", async () => {
    expect(await limitFor({})).toBe(plans.trial.documentSizeLimitBytes);
  });

  it("LIMIT-7 carries the workspace plan's ticket limit (a new workspace is in trial)", async () => {
    expect((await grantFor({})).maxTickets).toBe(plans.trial.ticketLimit);
  });

  it("LIMIT-12 carries the workspace plan's storage and what the workspace holds now (documents plus attachments)", async () => {
    const { storage } = await grantFor({});
    expect(storage?.quotaBytes).toBe(plans.trial.storageQuotaBytes);
    const before = storage!.used();
    t!.server.services.docStore.append([
      { docId: `${workspaceId}:ticket:x`, workspaceId, update: new Uint8Array(300) },
    ]);
    // Kept per process (blobs/StorageUse.ts): an ask reads again once the turn's work is
    // done, so the next batch — a later turn — sees what is stored now.
    await new Promise((resolve) => setImmediate(resolve));
    expect(storage!.used()).toBe(before + 300);
  });

  it("is the operator's DOC_SIZE_LIMIT_BYTES instead when set; the plan stays as it is", async () => {
    const override = 200 * 1024 * 1024;
    expect(await limitFor({ DOC_SIZE_LIMIT_BYTES: String(override) })).toBe(override);
    expect(plans.trial.documentSizeLimitBytes).toBe(5 * 1024 * 1024);
  });
});
