import type { Hono } from 'hono';
import { ErrorCode } from '@desk/protocol';
import { AppError } from '../http/AppError.ts';
import { bodyLimit } from '../http/bodyLimit/index.ts';
import type { Transactions } from '../db/Transactions.ts';
import type { ServerContext } from '../ServerContext.ts';
import type { BillingEventStore } from './BillingEventStore.ts';
import { Subscriptions } from './Subscriptions.ts';
import type { SubscriptionState } from './SubscriptionState.ts';
import { SIGNATURE_HEADER, verifySignature } from './webhookSignature.ts';
import { BillingEvent } from '@desk/protocol/rest';

/** Signed, never cookie-authenticated: createServer exempts it from the Origin check. */
export const BILLING_WEBHOOK_PATH = '/api/billing/webhook';

/** Largest webhook body accepted, in bytes. Events are small JSON. @default 65536 */
export const WEBHOOK_BODY_LIMIT_BYTES = 64 * 1024;

const targetState: Record<BillingEvent['type'], SubscriptionState | null> = {
  'subscription.activated': 'active',
  'subscription.plan_changed': null,
  'subscription.past_due': 'past_due',
  'subscription.suspended': 'suspended',
  'subscription.reactivated': 'active',
  'subscription.terminated': 'terminated',
};

/**
 * `POST /api/billing/webhook`: signed events from the payment provider drive the
 * subscription state machine. Signature (HMAC-SHA256 over `timestamp.body`, secret
 * BILLING_WEBHOOK_SECRET), a 5-minute timestamp window, and every accepted event id stored
 * in the same transaction as its effect, so a replay is refused (409 webhook_replayed) and
 * an event is applied at most once. Disabled (404) while the secret is unset.
 */
/** What the webhook uses (built once in createServices). */
export interface BillingWebhookDeps extends ServerContext {
  readonly transactions: Transactions;
  readonly billingEvents: BillingEventStore;
}

export function installBillingWebhook(app: Hono, ctx: BillingWebhookDeps): void {
  const secret = ctx.config.BILLING_WEBHOOK_SECRET;
  const { billingEvents } = ctx;

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
    const { workspaceId } = event.data;
    const actor = { kind: 'billing' as const, userId: null };

    // One immediate transaction: the replay check, the effect and the stored id commit
    // together, so an event is applied exactly once even across processes; a failed
    // event leaves no id behind and the provider's retry is accepted.
    ctx.transactions.write(() => {
      if (billingEvents.wasReceived(event.id)) {
        throw new AppError(
          ErrorCode.webhookReplayed,
          409,
          'This event was already received; it is not applied again.',
        );
      }
      if (!billingEvents.workspaceExists(workspaceId)) {
        throw AppError.notFound('No workspace with this id.');
      }
      const now = ctx.now();
      if (event.data.planId) {
        Subscriptions.assign(ctx.db, workspaceId, { planId: event.data.planId }, actor, now);
      }
      const to = targetState[event.type];
      if (to) {
        Subscriptions.transition(
          ctx.db,
          workspaceId,
          to,
          {
            ...(to === 'suspended' ? { suspendedReason: 'non_payment' as const } : {}),
            actor,
            note: `billing event ${event.id}`,
          },
          now,
        );
      }
      billingEvents.record({ id: event.id, type: event.type, workspaceId, at: now });
    });
    ctx.access.emit('workspaceStateChanged', { workspaceId });
    return c.json({ received: true, eventId: event.id });
  });
}
