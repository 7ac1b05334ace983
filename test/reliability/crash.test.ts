import { describe, expect, it } from 'vitest';
import { runCrashRounds } from './crash/crashRounds.ts';

// CI runs 3 rounds; `pnpm reliability` runs 20 (RELIABILITY.md).
const rounds = Number(process.env.RELIABILITY_CRASH_ROUNDS ?? 3);
const seed = Number(process.env.RELIABILITY_SEED ?? 20261206);

describe('kill -9 under write load (RELIABILITY.md, "Crash")', () => {
  it(
    `loses no acknowledged update in ${rounds} rounds of 50 writers on /sync and /yjs, and every replica converges`,
    async () => {
      const reports = await runCrashRounds({
        seed,
        rounds,
        clientsPerEndpoint: 25,
        docs: 5,
        killAfterMs: [300, 1500],
        maxWriteGapMs: 40,
        deadlineMs: 60_000,
        log: (line) => console.log(`crash seed=${seed} ${line}`),
      });
      expect(reports).toHaveLength(rounds);
      for (const report of reports) {
        const where = `seed ${seed}, round ${report.round}`;
        expect(report.lost, where).toBe(0);
        expect(report.missingAfterConvergence, where).toBe(0);
        // The round tested something: the server had promised updates on both endpoints.
        expect(report.acked, where).toBeGreaterThan(0);
        expect(report.confirmed, where).toBeGreaterThan(0);
      }
    },
    rounds * 90_000,
  );
});
