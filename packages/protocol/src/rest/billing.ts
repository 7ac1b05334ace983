/** REST bodies of the billing provider's webhook (`POST /api/billing/webhook`). */
import { z } from 'zod';
import { PLAN_IDS } from '../workspaces.ts';

/**
 * One signed billing event. `type` names what happened to the subscription and so the
 * state it moves to; `subscription.activated` and `subscription.plan_changed` carry the plan.
 */
export const BillingEvent = z.object({
  id: z.string().min(1).max(200),
  type: z.enum([
    'subscription.activated',
    'subscription.plan_changed',
    'subscription.past_due',
    'subscription.suspended',
    'subscription.reactivated',
    'subscription.terminated',
  ]),
  data: z.object({
    workspaceId: z.string().min(1).max(100),
    planId: z.enum(PLAN_IDS).optional(),
  }),
});
export type BillingEvent = z.infer<typeof BillingEvent>;

export const BillingEventReceived = z.strictObject({
  received: z.literal(true),
  eventId: z.string(),
});
export type BillingEventReceived = z.infer<typeof BillingEventReceived>;
