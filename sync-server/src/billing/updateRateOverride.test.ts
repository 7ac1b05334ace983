import { afterEach, describe, expect, it } from 'vitest';
import { DeskSyncAuth } from '../sync/DeskSyncAuth.ts';
import { signUp, startAuthTestServer, type AuthTestServer } from '../testing/authTestServer.ts';
import { plans } from './plans.ts';
import { OVERRIDE_BURST_SECONDS, updateRateOverride } from './updateRateOverride.ts';

describe("The operator's override of the plans' update rates (UPDATE_RATE_PER_*)", () => {
  it('unset, every plan keeps its own rates', () => {
    const rateOf = updateRateOverride({});
    expect(rateOf(plans.trial.updateRate)).toBe(plans.trial.updateRate);
    expect(rateOf(plans.business.updateRate)).toBe(plans.business.updateRate);
  });

  it('replaces only the bucket that is set; a bucket holds ten seconds of its rate', () => {
    const rateOf = updateRateOverride({ UPDATE_RATE_PER_WORKSPACE: 50_000 });
    expect(rateOf(plans.trial.updateRate)).toEqual({
      perConnection: plans.trial.updateRate.perConnection,
      perWorkspace: { perSecond: 50_000, burst: 50_000 * OVERRIDE_BURST_SECONDS },
    });
    const both = updateRateOverride({
      UPDATE_RATE_PER_CONNECTION: 7,
      UPDATE_RATE_PER_WORKSPACE: 9,
    })(plans.team.updateRate);
    expect(both.perConnection).toEqual({ perSecond: 7, burst: 70 });
    expect(both.perWorkspace).toEqual({ perSecond: 9, burst: 90 });
  });

  it('gives the same object for the same plan (the rate limiter keeps a bucket while its limit is the same object)', () => {
    const rateOf = updateRateOverride({ UPDATE_RATE_PER_CONNECTION: 1_000 });
    expect(rateOf(plans.trial.updateRate)).toBe(rateOf(plans.trial.updateRate));
    expect(rateOf(plans.trial.updateRate)).not.toBe(rateOf(plans.business.updateRate));
  });

  it('never changes the plans', () => {
    updateRateOverride({ UPDATE_RATE_PER_CONNECTION: 1, UPDATE_RATE_PER_WORKSPACE: 1 })(
      plans.trial.updateRate,
    );
    expect(plans.trial.updateRate.perConnection).toEqual({ burst: 600, perSecond: 100 });
    expect(plans.trial.updateRate.perWorkspace).toEqual({ burst: 2_000, perSecond: 300 });
  });

  describe('what a subscription is granted by the production auth boundary', () => {
    let t: AuthTestServer | null = null;
    afterEach(async () => {
      await t?.close();
      t = null;
    });
    const rateGranted = async (env: Record<string, string>) => {
      t = await startAuthTestServer(env);
      const owner = await signUp(t);
      const auth = new DeskSyncAuth(t.server.services);
      const principal = { userId: owner.userId, sessionId: null, tokenId: null };
      const first = await auth.authorize(principal, owner.workspaceId);
      const second = await auth.authorize(principal, owner.workspaceId);
      if (!first.ok || !second.ok) throw new Error('not authorized');
      expect(second.updateRate).toBe(first.updateRate);
      return first.updateRate;
    };

    it("is the workspace plan's without the override (a new workspace is in trial)", async () => {
      expect(await rateGranted({})).toBe(plans.trial.updateRate);
    });

    it("is the override's when the server is configured with it", async () => {
      const rate = await rateGranted({
        UPDATE_RATE_PER_CONNECTION: '20000',
        UPDATE_RATE_PER_WORKSPACE: '100000',
      });
      expect(rate?.perConnection.perSecond).toBe(20_000);
      expect(rate?.perWorkspace.perSecond).toBe(100_000);
    });
  });
});
