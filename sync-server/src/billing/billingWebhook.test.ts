import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@desk/protocol';
import { signUp, startAuthTestServer, type AuthTestServer } from '../testing/authTestServer.ts';
import { recordAccessEvents } from '../testing/workspaceTestSupport.ts';
import { BILLING_WEBHOOK_PATH } from './billingWebhook.ts';
import { signatureHeader, SIGNATURE_HEADER } from './webhookSignature.ts';

const secret = 'test-webhook-secret-0123456789';
let t: AuthTestServer;
let eventCounter = 0;
beforeAll(async () => {
  t = await startAuthTestServer({ BILLING_WEBHOOK_SECRET: secret });
});
afterAll(() => t.close());

function event(workspaceId: string, type: string, extra: Record<string, unknown> = {}) {
  eventCounter += 1;
  return { id: `evt_${eventCounter}`, type, data: { workspaceId, ...extra } };
}

/** Posts like a payment provider: no cookie, no Origin, signed body. */
async function deliver(
  body: string,
  options: { timestampSeconds?: number; signature?: string | null } = {},
) {
  const ts = options.timestampSeconds ?? Math.floor(t.clock.now / 1000);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const signature =
    options.signature === undefined ? signatureHeader(secret, ts, body) : options.signature;
  if (signature !== null) headers[SIGNATURE_HEADER] = signature;
  const res = await fetch(t.server.url + BILLING_WEBHOOK_PATH, { method: 'POST', headers, body });
  return { status: res.status, body: (await res.json()) as { error?: { code: string } } };
}

function stateOf(workspaceId: string) {
  return t.server.ctx.db
    .prepare('SELECT state, suspended_reason, plan_id FROM subscriptions WHERE workspace_id = ?')
    .get(workspaceId);
}

describe('POST /api/billing/webhook', () => {
  it('applies a signed event: activation with a plan, then past due, suspension for non-payment, reactivation', async () => {
    const owner = await signUp(t);
    const events = recordAccessEvents(t);
    const send = (type: string, extra = {}) =>
      deliver(JSON.stringify(event(owner.workspaceId, type, extra)));
    expect((await send('subscription.activated', { planId: 'team' })).status).toBe(200);
    expect(stateOf(owner.workspaceId)).toEqual({
      state: 'active',
      suspended_reason: null,
      plan_id: 'team',
    });
    expect((await send('subscription.past_due')).status).toBe(200);
    expect(stateOf(owner.workspaceId)).toMatchObject({ state: 'past_due' });
    expect((await send('subscription.suspended')).status).toBe(200);
    expect(stateOf(owner.workspaceId)).toMatchObject({
      state: 'suspended',
      suspended_reason: 'non_payment',
    });
    expect((await send('subscription.reactivated')).status).toBe(200);
    expect(stateOf(owner.workspaceId)).toMatchObject({ state: 'active' });
    expect(events.filter((e) => e.name === 'workspaceStateChanged')).toHaveLength(4);
    const audit = t.server.ctx.db
      .prepare(
        `SELECT actor_kind FROM audit_log WHERE workspace_id = ? AND action = 'subscription.state_changed'`,
      )
      .all(owner.workspaceId);
    expect(audit).toEqual(Array(4).fill({ actor_kind: 'billing' }));
  });

  it('refuses a wrong signature with signature_invalid and changes nothing', async () => {
    const owner = await signUp(t);
    const body = JSON.stringify(event(owner.workspaceId, 'subscription.suspended'));
    const ts = Math.floor(t.clock.now / 1000);
    const forged = await deliver(body, {
      signature: signatureHeader('not-the-real-secret!', ts, body),
    });
    expect(forged.status).toBe(401);
    expect(forged.body.error?.code).toBe(ErrorCode.signatureInvalid);
    const missing = await deliver(body, { signature: null });
    expect(missing.body.error?.code).toBe(ErrorCode.signatureInvalid);
    expect(stateOf(owner.workspaceId)).toMatchObject({ state: 'trialing' });
  });

  it('refuses a body altered after signing', async () => {
    const owner = await signUp(t);
    const signedBody = JSON.stringify(event(owner.workspaceId, 'subscription.past_due'));
    const ts = Math.floor(t.clock.now / 1000);
    const res = await deliver(signedBody.replace('past_due', 'suspended'), {
      signature: signatureHeader(secret, ts, signedBody),
    });
    expect(res.body.error?.code).toBe(ErrorCode.signatureInvalid);
  });

  it('refuses timestamps more than five minutes away, accepts those within', async () => {
    const owner = await signUp(t);
    const now = Math.floor(t.clock.now / 1000);
    const old = await deliver(JSON.stringify(event(owner.workspaceId, 'subscription.activated')), {
      timestampSeconds: now - 301,
    });
    expect(old.status).toBe(401);
    expect(old.body.error?.code).toBe(ErrorCode.signatureInvalid);
    const future = await deliver(
      JSON.stringify(event(owner.workspaceId, 'subscription.activated')),
      {
        timestampSeconds: now + 301,
      },
    );
    expect(future.status).toBe(401);
    const recent = await deliver(
      JSON.stringify(event(owner.workspaceId, 'subscription.activated')),
      {
        timestampSeconds: now - 299,
      },
    );
    expect(recent.status).toBe(200);
  });

  it('refuses a replayed event id with webhook_replayed and applies it once', async () => {
    const owner = await signUp(t);
    const first = event(owner.workspaceId, 'subscription.activated', { planId: 'starter' });
    const body = JSON.stringify(first);
    expect((await deliver(body)).status).toBe(200);
    await deliver(JSON.stringify(event(owner.workspaceId, 'subscription.past_due')));
    // The exact same signed request again (within the window), and re-signed later.
    const replay = await deliver(body);
    expect(replay.status).toBe(409);
    expect(replay.body.error?.code).toBe(ErrorCode.webhookReplayed);
    t.clock.advance(60_000);
    expect((await deliver(body)).body.error?.code).toBe(ErrorCode.webhookReplayed);
    expect(stateOf(owner.workspaceId)).toMatchObject({ state: 'past_due' });
  });

  it('lets the sender deliver concurrently: of simultaneous copies of one event exactly one is applied', async () => {
    const owner = await signUp(t);
    const body = JSON.stringify(
      event(owner.workspaceId, 'subscription.activated', { planId: 'team' }),
    );
    const results = await Promise.all(Array.from({ length: 8 }, () => deliver(body)));
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409, 409, 409, 409]);
  });

  it('does not store the id of an event that failed, so a corrected retry is accepted', async () => {
    const owner = await signUp(t);
    const unknown = {
      id: 'evt_retry',
      type: 'subscription.activated',
      data: { workspaceId: 'nope' },
    };
    expect((await deliver(JSON.stringify(unknown))).status).toBe(404);
    const fixed = { ...unknown, data: { workspaceId: owner.workspaceId } };
    expect((await deliver(JSON.stringify(fixed))).status).toBe(200);
  });

  it('is not subject to the browser Origin check (it is signed, never cookie-authenticated)', async () => {
    const owner = await signUp(t);
    const body = JSON.stringify(event(owner.workspaceId, 'subscription.activated'));
    const ts = Math.floor(t.clock.now / 1000);
    const res = await fetch(t.server.url + BILLING_WEBHOOK_PATH, {
      method: 'POST',
      headers: {
        origin: 'https://payments.example',
        [SIGNATURE_HEADER]: signatureHeader(secret, ts, body),
      },
      body,
    });
    expect(res.status).toBe(200);
  });
});

describe('the billing webhook without a secret', () => {
  it('is disabled (404)', async () => {
    const bare = await startAuthTestServer();
    try {
      const res = await fetch(bare.server.url + BILLING_WEBHOOK_PATH, {
        method: 'POST',
        body: '{}',
      });
      expect(res.status).toBe(404);
    } finally {
      await bare.close();
    }
  });
});
