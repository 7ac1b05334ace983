import { describe, expect, it } from 'vitest';
import { SingleFlightJob } from './SingleFlightJob.ts';

/** A job whose runs each wait until the test releases them. */
function gatedJob() {
  const gates: (() => void)[] = [];
  const errors: unknown[] = [];
  let runs = 0;
  let concurrent = 0;
  let maxConcurrent = 0;
  let fail = false;
  const job = new SingleFlightJob(
    async () => {
      runs++;
      concurrent++;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      await new Promise<void>((resolve) => gates.push(resolve));
      concurrent--;
      if (fail) throw new Error('mailer down');
    },
    (err) => errors.push(err),
  );
  const release = async () => {
    while (gates.length === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    gates.shift()!();
  };
  return {
    job,
    release,
    errors,
    runs: () => runs,
    maxConcurrent: () => maxConcurrent,
    failNext: () => (fail = true),
  };
}

describe('SingleFlightJob', () => {
  it('runs the work once per kick when idle, never two runs at once', async () => {
    const j = gatedJob();
    j.job.kick();
    j.job.kick();
    j.job.kick();
    await j.release(); // the first run
    await j.release(); // the one run the kicks during it asked for
    await j.job.idle();
    expect(j.runs()).toBe(2);
    expect(j.maxConcurrent()).toBe(1);
  });

  it('runs again after a run when kicked during it, so late work is not left waiting', async () => {
    const j = gatedJob();
    j.job.kick();
    await j.release();
    await j.job.idle();
    expect(j.runs()).toBe(1);
    j.job.kick();
    await j.release();
    await j.job.idle();
    expect(j.runs()).toBe(2);
  });

  it('reports a failed run and runs again on the next kick', async () => {
    const j = gatedJob();
    j.failNext();
    j.job.kick();
    await j.release();
    await j.job.idle();
    expect(j.errors).toHaveLength(1);
    j.job.kick();
    await j.release();
    await j.job.idle();
    expect(j.runs()).toBe(2);
  });

  it('stop waits for the run under way, skips the run it asked for, and ignores later kicks', async () => {
    const j = gatedJob();
    j.job.kick();
    j.job.kick(); // asks for another run
    const stopped = j.job.stop();
    expect(j.job.stopped).toBe(true);
    await j.release();
    await stopped;
    j.job.kick();
    await j.job.idle();
    expect(j.runs()).toBe(1);
  });
});
