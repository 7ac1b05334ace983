import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, type TicketSearchResponse } from '@desk/protocol';
import { until } from '@desk/protocol/testing';
import { signUp, startAuthTestServer, type AuthTestServer } from '../testing/authTestServer.ts';
import { createTicket, setTicketField } from '../testing/snapshotTestSupport.ts';

let t: AuthTestServer;
beforeAll(async () => {
  t = await startAuthTestServer();
});
afterAll(() => t.close());

type Owner = Awaited<ReturnType<typeof signUp>>;

async function search(owner: Owner, q: string): Promise<TicketSearchResponse['hits']> {
  const res = await owner.client.get<TicketSearchResponse>(
    `/api/workspaces/${owner.slug}/search?q=${encodeURIComponent(q)}`,
  );
  expect(res.status).toBe(200);
  return res.body.hits;
}

/** Field changes reach the server's index within its records interval (10 s). */
async function found(owner: Owner, q: string, ticketIds: string[]): Promise<void> {
  await until(
    async () =>
      JSON.stringify((await search(owner, q)).map((h) => h.ticketId).sort()) ===
      JSON.stringify(ticketIds),
    `search "${q}" to answer ${ticketIds.join(', ') || 'nothing'}`,
    40_000,
  );
}

describe('GET /api/workspaces/:slug/search', () => {
  it('finds tickets written through sync, and follows their changes', async () => {
    const owner = await signUp(t);
    await createTicket(t.server.sync, owner.workspaceId, 'tk1', 'Projector flickers', 12);
    await found(owner, 'projector', ['tk1']);
    await until(async () => (await search(owner, 'flickers'))[0]?.number === 12, 'the number');
    const [hit] = await search(owner, 'first reply');
    expect(hit).toMatchObject({ ticketId: 'tk1', number: 12, title: 'Projector flickers' });
    expect(hit!.snippet).toContain('First reply on Projector flickers');

    await setTicketField(t.server.sync, owner.workspaceId, 'tk1', 'title', 'Beamer flickers');
    await found(owner, 'beamer', ['tk1']);
    await setTicketField(t.server.sync, owner.workspaceId, 'tk1', 'deleted', true);
    await found(owner, 'beamer', []);
  }, 60_000); // two field changes, each read within the 10 s records interval

  it('answers members of that workspace only', async () => {
    const owner = await signUp(t);
    const stranger = await signUp(t);
    await createTicket(t.server.sync, owner.workspaceId, 'tk2', 'Secret payroll question', 1);
    await found(owner, 'payroll', ['tk2']);
    const url = `/api/workspaces/${owner.slug}/search?q=payroll`;
    const res = await stranger.client.get(url);
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: { code: ErrorCode.notFound } });
    expect((await t.client().get(url)).status).toBe(401);
    // Their own workspace never shows the other's tickets.
    expect(await search(stranger, 'payroll')).toEqual([]);
  });

  it('takes query syntax as words and refuses what is out of range', async () => {
    const owner = await signUp(t);
    for (const q of ['"', 'NEAR(a b)', '*', 'a OR', 'title:x', '', ')']) {
      expect(await search(owner, q)).toEqual([]);
    }
    const long = await owner.client.get(
      `/api/workspaces/${owner.slug}/search?q=${'a'.repeat(201)}`,
    );
    expect(long.status).toBe(400);
    expect(long.body).toMatchObject({
      error: { code: ErrorCode.validationFailed, fields: { q: expect.any(String) } },
    });
    const limit = await owner.client.get(`/api/workspaces/${owner.slug}/search?q=a&limit=1000`);
    expect(limit.status).toBe(400);
  });
});
