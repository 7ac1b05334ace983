import type { Hono } from 'hono';
import { ErrorCode } from '@desk/protocol';
import { AppError } from '../http/AppError.ts';
import { bodyLimit } from '../http/bodyLimit/index.ts';
import type { ServerContext } from '../ServerContext.ts';
import type { SubscriptionChanges } from './SubscriptionChanges.ts';
import { SIGNATURE_HEADER, verifySignature } from './webhookSignature.ts';
import { BillingEvent } from '@desk/protocol/rest';

/** Signed, never cookie-authenticated: createServer exempts it from the Origin check. */
export const BILLING_WEBHOOK_PATH = '/api/billing/webhook';

/** Largest webhook body accepted, in bytes. Events are small JSON. @default 65536 */
export const WEBHOOK_BODY_LIMIT_BYTES = 64 * 1024;

/** What the webhook uses (built once in createServices). */
export interface BillingWebhookDeps extends ServerContext {
  readonly subscriptionChanges: SubscriptionChanges;
}

/**
 * `POST /api/billing/webhook`: signed events from the payment provider drive the
 * subscription state machine. Signature (HMAC-SHA256 over `timestamp.body`, secret
 * BILLING_WEBHOOK_SECRET), a 5-minute timestamp window, and every accepted event id stored
 * in the same transaction as its effect, so a replay is refused (409 webhook_replayed) and
 * an event is applied at most once. Disabled (404) while the secret is unset.
 */
export function installBillingWebhook(app: Hono, ctx: BillingWebhookDeps): void {
  const secret = ctx.config.BILLING_WEBHOOK_SECRET;

  app.post(BILLING_WEBHOOK_PATH, bodyLimit({ maxBytes: WEBHOOK_BODY_LIMIT_BYTES }), async (c) => {
    if (!secret) throw AppError.notFound('Billing webhooks are not enabled on this server.');
    const body = await c.req.text();
    const check = verifySignature(secret, c.req.header(SIGNATURE_HEADER), body, ctx.now());
    if (!check.ok) {
      ctx.log.warn({ reason: check.reason }, 'billing webhook refused');
      throw new AppError(
        ErrorCode.signatureInvalid,
        401,
        check.reason === 'outside_window'
          ? 'The webhook timestamp is outside the accepted 5-minute window.'
          : 'The webhook signature is missing or does not match.',
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw AppError.badRequest('The webhook body is not JSON.');
    }
    const parsed = BillingEvent.safeParse(json);
    if (!parsed.success) throw AppError.badRequest('The webhook event is not understood.');
    const event = parsed.data;
    // Replay check, effect and stored event id in one transaction (SubscriptionChanges).
    await ctx.subscriptionChanges.applyBillingEvent(event);
    return c.json({ received: true, eventId: event.id });
  });
}
