import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, type FirstPageResponse } from '@desk/protocol';
import { until } from '@desk/protocol/testing';
import { signUp, startAuthTestServer, type AuthTestServer } from '../testing/authTestServer.ts';
import { createTicket, setTicketField } from '../testing/snapshotTestSupport.ts';

let t: AuthTestServer;
beforeAll(async () => {
  t = await startAuthTestServer();
});
afterAll(() => t.close());

type Owner = Awaited<ReturnType<typeof signUp>>;

async function firstPage(owner: Owner, query = ''): Promise<FirstPageResponse['rows']> {
  const res = await owner.client.get<FirstPageResponse>(
    `/api/workspaces/${owner.slug}/tickets/first-page${query}`,
  );
  expect(res.status).toBe(200);
  return res.body.rows;
}

/** The projection reads the index at most every 10 s: wait for the rows to follow. */
async function rowsAre(
  owner: Owner,
  expected: string,
  describe: (rows: FirstPageResponse['rows']) => string,
) {
  await until(
    async () => describe(await firstPage(owner)) === expected,
    `first page: ${expected}`,
    40_000,
  );
}

const titles = (rows: FirstPageResponse['rows']) => rows.map((r) => r.title).join(', ');

describe('GET /api/workspaces/:slug/tickets/first-page', () => {
  it('answers the list’s first rows from the projection, and follows their changes', async () => {
    const owner = await signUp(t);
    expect(await firstPage(owner)).toEqual([]); // nothing projected yet: the device waits
    await createTicket(t.server.sync, owner.workspaceId, 'tk1', 'Projector flickers', 12);
    await createTicket(t.server.sync, owner.workspaceId, 'tk2', 'Mouse is dead', 13);
    await setTicketField(t.server.sync, owner.workspaceId, 'tk1', 'updatedAt', Date.now());
    await rowsAre(owner, 'Projector flickers, Mouse is dead', titles);
    const [row] = await firstPage(owner, '?limit=1');
    expect(row).toEqual({
      id: 'tk1',
      number: 12,
      provisionalNumber: expect.any(String),
      title: 'Projector flickers',
      status: 'open',
      priority: 'normal',
      assigneeId: null,
      tags: ['a'],
      updatedAt: expect.any(Number),
    });

    await setTicketField(t.server.sync, owner.workspaceId, 'tk1', 'deleted', true);
    await rowsAre(owner, 'Mouse is dead', titles);
  }, 60_000); // two field changes, each read within the 10 s records interval

  it('answers members of that workspace only, and refuses a limit out of range', async () => {
    const owner = await signUp(t);
    const stranger = await signUp(t);
    await createTicket(t.server.sync, owner.workspaceId, 'tk3', 'Secret payroll question', 1);
    await rowsAre(owner, 'Secret payroll question', titles);
    const url = `/api/workspaces/${owner.slug}/tickets/first-page`;
    const res = await stranger.client.get(url);
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: { code: ErrorCode.notFound } });
    expect((await t.client().get(url)).status).toBe(401);
    // Their own workspace never shows the other's tickets.
    expect(await firstPage(stranger)).toEqual([]);
    const tooMany = await owner.client.get(`${url}?limit=1000`);
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toMatchObject({
      error: { code: ErrorCode.validationFailed, fields: { limit: expect.any(String) } },
    });
  });
});
