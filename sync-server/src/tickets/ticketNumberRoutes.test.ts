import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@desk/protocol';
import { signUp, startAuthTestServer, type AuthTestServer } from '../testing/authTestServer.ts';

let t: AuthTestServer;
beforeAll(async () => {
  t = await startAuthTestServer();
});
afterAll(() => t.close());

describe('POST /api/workspaces/:slug/ticket-numbers', () => {
  it('reserves blocks of 20 by default, one after the other', async () => {
    const owner = await signUp(t);
    const url = `/api/workspaces/${owner.slug}/ticket-numbers`;
    const first = await owner.client.post(url, {});
    const second = await owner.client.post(url, { count: 5 });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ from: 1, to: 20 });
    expect(second.body).toEqual({ from: 21, to: 25 });
  });

  it('gives concurrent requests disjoint blocks', async () => {
    const owner = await signUp(t);
    const url = `/api/workspaces/${owner.slug}/ticket-numbers`;
    const blocks = await Promise.all(
      Array.from({ length: 10 }, () =>
        owner.client.post<{ from: number; to: number }>(url, { count: 3 }),
      ),
    );
    const numbers = blocks.flatMap(({ body }) =>
      Array.from({ length: body.to - body.from + 1 }, (_, i) => body.from + i),
    );
    expect(new Set(numbers).size).toBe(30);
    expect(Math.max(...numbers)).toBe(30);
  });

  it('answers 404 to a non-member, exactly as for a missing workspace', async () => {
    const owner = await signUp(t);
    const stranger = await signUp(t);
    const res = await stranger.client.post(`/api/workspaces/${owner.slug}/ticket-numbers`, {});
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: { code: ErrorCode.notFound } });
  });

  it('asks for a login without a session', async () => {
    const owner = await signUp(t);
    const res = await t.client().post(`/api/workspaces/${owner.slug}/ticket-numbers`, {});
    expect(res.status).toBe(401);
  });

  it('refuses an oversized block with the field named', async () => {
    const owner = await signUp(t);
    const res = await owner.client.post(`/api/workspaces/${owner.slug}/ticket-numbers`, {
      count: 1000,
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      error: { code: ErrorCode.validationFailed, fields: { count: expect.any(String) } },
    });
  });
});
