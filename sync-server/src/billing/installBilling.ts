import type { Hono } from 'hono';
import { installBillingWebhook, type BillingWebhookDeps } from './billingWebhook.ts';
import type { TrialSweeper } from './TrialSweeper.ts';

/** The billing webhook, and the trial sweeper started. */
export function installBilling(
  app: Hono,
  deps: BillingWebhookDeps & { readonly trialSweeper: TrialSweeper },
): void {
  installBillingWebhook(app, deps);
  deps.trialSweeper.start();
}
