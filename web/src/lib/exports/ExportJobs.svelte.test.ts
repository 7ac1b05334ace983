import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ExportSummary } from '@desk/protocol';
import { ExportJobs } from './ExportJobs.svelte.ts';

/** An export as the list route answers it. */
function job(state: ExportSummary['state'], done: number): ExportSummary {
  return {
    id: 'e1',
    state,
    requestedBy: { id: 'u1', name: 'Ana' },
    createdAt: 1,
    finishedAt: state === 'ready' ? 2 : null,
    expiresAt: state === 'ready' ? 3 : null,
    progress: { done, total: 10 },
    bytes: state === 'ready' ? 1234 : null,
    error: null,
    downloadable: state === 'ready',
  };
}

/** `fetch` answering the list route with each of `answers` in turn (the last one repeats). */
function listAnswers(answers: ExportSummary[][]): { asked: () => number } {
  let n = 0;
  vi.stubGlobal('fetch', async () => {
    const exports = answers[Math.min(n, answers.length - 1)]!;
    n += 1;
    return new Response(JSON.stringify({ exports }), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
  });
  return { asked: () => n };
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('ExportJobs (the export list of the Settings page)', () => {
  it('asks again while an export is being built, and stops once it is ready', async () => {
    vi.useFakeTimers();
    const server = listAnswers([[job('running', 3)], [job('running', 7)], [job('ready', 10)]]);
    const jobs = new ExportJobs('harbour');
    await jobs.load();
    expect(jobs.running?.progress.done).toBe(3);
    await vi.runOnlyPendingTimersAsync();
    expect(jobs.exports?.[0]?.progress.done).toBe(7);
    await vi.runOnlyPendingTimersAsync();
    expect(jobs.exports?.[0]?.state).toBe('ready');
    expect(jobs.running).toBeNull();
    await vi.runOnlyPendingTimersAsync();
    expect(server.asked()).toBe(3);
    jobs.destroy();
  });

  it('stops asking when the page goes', async () => {
    vi.useFakeTimers();
    const server = listAnswers([[job('running', 1)]]);
    const jobs = new ExportJobs('harbour');
    await jobs.load();
    jobs.destroy();
    await vi.runOnlyPendingTimersAsync();
    expect(server.asked()).toBe(1);
  });
});
