import type { RateLimit, UpdateRate } from './plans.ts';

/** The operator's override of the plans' update rates (config UPDATE_RATE_PER_*). */
export interface UpdateRateOverrideConfig {
  readonly UPDATE_RATE_PER_CONNECTION?: number | undefined;
  readonly UPDATE_RATE_PER_WORKSPACE?: number | undefined;
}

/** Seconds' worth of updates an overridden bucket holds (its burst). */
export const OVERRIDE_BURST_SECONDS = 10;

/**
 * The update rate a workspace's subscriptions get: its plan's, with either bucket replaced by
 * the operator's override when set (SPEC LIMIT-9; README, Configuration). The plans never
 * change. The same object comes back for the same plan rate: the rate limiter keeps a bucket
 * while its limit is the same object, so a fresh object per subscription would refill it.
 */
export function updateRateOverride(
  config: UpdateRateOverrideConfig,
): (planRate: UpdateRate) => UpdateRate {
  const perConnection = bucket(config.UPDATE_RATE_PER_CONNECTION);
  const perWorkspace = bucket(config.UPDATE_RATE_PER_WORKSPACE);
  if (!perConnection && !perWorkspace) return (planRate) => planRate;
  const made = new Map<UpdateRate, UpdateRate>();
  return (planRate) => {
    let rate = made.get(planRate);
    if (!rate) {
      rate = {
        perConnection: perConnection ?? planRate.perConnection,
        perWorkspace: perWorkspace ?? planRate.perWorkspace,
      };
      made.set(planRate, rate);
    }
    return rate;
  };
}

function bucket(perSecond: number | undefined): RateLimit | null {
  return perSecond === undefined ? null : { perSecond, burst: perSecond * OVERRIDE_BURST_SECONDS };
}
