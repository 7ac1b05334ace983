import type { Hono } from 'hono';
import type { SubscriptionChanges } from './SubscriptionChanges.ts';
import { installBillingWebhook, type BillingWebhookDeps } from './billingWebhook.ts';
import { TrialSweeper } from './TrialSweeper.ts';

/** The billing webhook and the trial sweeper. */
export function installBilling(
  app: Hono,
  deps: BillingWebhookDeps & { readonly subscriptionChanges: SubscriptionChanges },
): { trialSweeper: TrialSweeper } {
  installBillingWebhook(app, deps);
  const trialSweeper = new TrialSweeper(deps);
  trialSweeper.start();
  return { trialSweeper };
}
