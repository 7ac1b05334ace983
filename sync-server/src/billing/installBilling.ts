import type { Hono } from 'hono';
import type { ServerContext } from '../ServerContext.ts';
import { installBillingWebhook } from './billingWebhook.ts';
import { TrialSweeper } from './TrialSweeper.ts';

/** The billing webhook and the trial sweeper. */
export function installBilling(app: Hono, ctx: ServerContext): { trialSweeper: TrialSweeper } {
  installBillingWebhook(app, ctx);
  const trialSweeper = new TrialSweeper(ctx);
  trialSweeper.start();
  return { trialSweeper };
}
