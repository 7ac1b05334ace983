import type { PlanId as ProtocolPlanId } from '@desk/protocol';
import { BillingEvent, BillingEventReceived } from '@desk/protocol/rest';
import { ok, type RouteDoc } from '../http/openapi/routeDoc.ts';
import type { PlanId } from './plans.ts';

// The protocol documents the plan ids the server has: neither may have one the other lacks.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const plansAgree: Same<PlanId, ProtocolPlanId> = true;

/** The billing provider's signed webhook (see WEBHOOK.md beside this file). */
export const billingRoutes: readonly RouteDoc[] = [
  {
    method: 'post',
    path: '/api/billing/webhook',
    summary:
      'Signed billing events (header X-Billing-Signature: t=<unix s>,v1=<hex HMAC-SHA256 of "t.body">), 5-minute window, each id once. See sync-server/src/billing/WEBHOOK.md.',
    auth: 'signed',
    body: BillingEvent,
    responses: {
      200: ok('Applied.', BillingEventReceived),
      400: '`validation_failed`: not an event we understand.',
      401: '`signature_invalid`: missing, wrong, or outside the time window.',
      404: '`not_found`: unknown workspace, or webhooks disabled (no secret).',
      409: '`webhook_replayed` or `invalid_state_transition`.',
    },
  },
];
