import { describe, expect, it } from 'vitest';
import { runFuzz } from './fuzz/fuzzRun.ts';

// CI sends 100,000 frames; `pnpm reliability` sends 1,000,000 (RELIABILITY.md).
const frames = Number(process.env.RELIABILITY_FUZZ_FRAMES ?? 100_000);
const seed = Number(process.env.RELIABILITY_SEED ?? 20261206);

describe('protocol fuzzing (RELIABILITY.md, "Protocol fuzzing")', () => {
  it(
    `survives ${frames} fuzzed frames on /sync and /yjs: no crash or stall, good clients keep syncing, memory settles, every doc loads after a restart`,
    async () => {
      const report = await runFuzz({
        seed,
        frames,
        concurrency: 8,
        maxBurst: 400,
        deadlineMs: 30_000,
        log: (line) => console.log(`fuzz seed=${seed} ${line}`),
      });
      console.log(`fuzz seed=${seed} ${JSON.stringify(report)}`);
      const where = `seed ${seed}`;
      expect(report.frames, where).toBeGreaterThanOrEqual(frames);
      expect(report.serverExited, where).toBe(false);
      expect(report.stalls, where).toBe(0);
      expect(report.goodClosed, where).toBe(0);
      expect(report.goodWrites, where).toBeGreaterThan(0);
      expect(report.docsLoaded, where).toBe(report.docsStored);
      expect(report.innocentClosed, where).toBe(0);
      // Memory stops growing with the traffic: the second half of the run adds little to
      // what the first half reached (a leak would add as much again).
      const { tenths } = report.rssMiB;
      const firstHalf = tenths[4]! - tenths[0]!;
      const secondHalf = tenths[9]! - tenths[4]!;
      expect(secondHalf, `${where}, RSS ${tenths.join(' ')}`).toBeLessThanOrEqual(
        Math.max(32, firstHalf),
      );
    },
    Math.max(120_000, frames * 3),
  );
});
