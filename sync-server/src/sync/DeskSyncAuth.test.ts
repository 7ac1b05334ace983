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
  let ownerPrincipal = { userId: '', sessionId: null, tokenId: null };
  const grantFor = async (env: Record<string, string>) => {
    t = await startAuthTestServer(env);
    const owner = await signUp(t);
    workspaceId = owner.workspaceId;
    ownerPrincipal = { userId: owner.userId, sessionId: null, tokenId: null };
    const authorization = await new DeskSyncAuth(t.server.services).authorize(
      ownerPrincipal,
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
    // Stored beside this process's engine (as another process's write would be)…
    t!.server.services.docStore.append([
      { docId: `${workspaceId}:ticket:x`, workspaceId, update: new Uint8Array(300) },
    ]);
    // …is read at the next authorization; between them the figure is kept per process and
    // read again about once a second (blobs/StorageUse.ts, its own tests).
    const again = await new DeskSyncAuth(t!.server.services).authorize(ownerPrincipal, workspaceId);
    if (!again.ok) throw new Error(`not authorized: ${again.code}`);
    expect(again.storage!.used()).toBe(before + 300);
  });

  it("is the operator's DOC_SIZE_LIMIT_BYTES instead when set; the plan stays as it is", async () => {
    const override = 200 * 1024 * 1024;
    expect(await limitFor({ DOC_SIZE_LIMIT_BYTES: String(override) })).toBe(override);
    expect(plans.trial.documentSizeLimitBytes).toBe(5 * 1024 * 1024);
  });
});
