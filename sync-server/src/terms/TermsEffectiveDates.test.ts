import { describe, expect, it } from 'vitest';
import { AccessEvents } from '../access/AccessEvents.ts';
import { ShutdownHooks } from '../lifecycle/ShutdownHooks.ts';
import { createLogger } from '../log/logger.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';
import { TermsEffectiveDates } from './TermsEffectiveDates.ts';
import type { TermsStore } from './TermsStore.ts';

/**
 * The terms store as the watch reads it, answering later (as PostgreSQL does): the version
 * in force is `state.inForce`; `failNext` makes the next read of it fail.
 */
function fakeTerms(state: { inForce: number; failNext: boolean }) {
  const later = <T>(value: () => T) =>
    new Promise<T>((resolve, reject) =>
      setImmediate(() => {
        try {
          resolve(value());
        } catch (err) {
          reject(err as Error);
        }
      }),
    );
  return {
    versionInForce: () =>
      later(() => {
        if (state.failNext) {
          state.failNext = false;
          throw new Error('database away');
        }
        return state.inForce;
      }),
    usersBehind: () => later(() => ['u1']),
    nextEffectiveAt: () => later(() => null),
  } as unknown as AsyncStore<TermsStore>;
}

function watch(state: { inForce: number; failNext: boolean }) {
  const log = createLogger('silent');
  const access = new AccessEvents();
  const emitted: string[][] = [];
  access.on('termsRequired', ({ userIds }) => emitted.push([...userIds]));
  const dates = new TermsEffectiveDates({
    access,
    log,
    now: () => 0,
    shutdown: new ShutdownHooks(log),
    control: { terms: fakeTerms(state) },
  });
  return { dates, emitted };
}

describe('TermsEffectiveDates on a store that answers later', () => {
  it('tells sockets of a version that came into force once, also when two checks run at once', async () => {
    const state = { inForce: 1, failNext: false };
    const { dates, emitted } = watch(state);
    await dates.check();
    expect(emitted).toEqual([]);
    state.inForce = 2;
    await Promise.all([dates.check(), dates.check()]);
    expect(emitted).toEqual([['u1']]);
    await dates.check();
    expect(emitted).toHaveLength(1);
    dates.stop();
  });

  it('measures from the version in force when it was built, read again after a failed read', async () => {
    const state = { inForce: 1, failNext: true };
    const { dates, emitted } = watch(state);
    await expect(dates.check()).rejects.toThrow('database away');
    // The version in force then: nothing to tell.
    await dates.check();
    expect(emitted).toEqual([]);
    state.inForce = 2;
    await dates.check();
    expect(emitted).toEqual([['u1']]);
    dates.stop();
  });
});
