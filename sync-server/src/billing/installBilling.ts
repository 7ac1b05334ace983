import type { Hono } from 'hono';
import type { ServerContext } from '../ServerContext.ts';
import type { SubscriptionChanges } from './SubscriptionChanges.ts';
import { installBillingWebhook } from './billingWebhook.ts';
import { TrialSweeper } from './TrialSweeper.ts';

/** The billing webhook and the trial sweeper. */
export function installBilling(
  app: Hono,
  deps: ServerContext & { readonly subscriptionChanges: SubscriptionChanges },
): { trialSweeper: TrialSweeper } {
  installBillingWebhook(app, deps);
  const trialSweeper = new TrialSweeper(deps);
  trialSweeper.start();
  return { trialSweeper };
}
