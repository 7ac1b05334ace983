/**
 * Start-up timestamps for finding where a slow first paint goes (issue 15): with
 * `localStorage['desk:debug'] = 'timing'` each step of the desk's start is a
 * `performance.mark('desk:<step>')`, read by the bench's start-up trace
 * (test/bench/browser/startupTrace.ts) or the browser's performance panel. Off by default:
 * nothing is recorded. (Timestamps, not assertions: no test depends on them.)
 */
let enabled: boolean | null = null;
const marked = new Set<string>();

/** Marks `step` the first time it is reached in this page load (later passes are not start-up). */
export function startupMark(step: string): void {
  enabled ??= readFlag();
  if (!enabled || marked.has(step)) return;
  marked.add(step);
  performance.mark(`desk:${step}`);
}

function readFlag(): boolean {
  try {
    return typeof localStorage !== 'undefined' && localStorage.getItem('desk:debug') === 'timing';
  } catch {
    return false; // storage refused (private mode): no marks
  }
}
