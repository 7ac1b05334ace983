import type { Results, SnapshotOutcome } from './Results.ts';
import { valueOf, worstSnapshotPhase } from './Results.ts';
import { formatNumber } from './format.ts';

/** Event-loop lag p99 a snapshot, diff or restore may cause at most (issue 8). */
export const SNAPSHOT_LAG_P99_TARGET_MS = 50;

/**
 * The issues' targets, checked against this run's numbers, each line labelled with its
 * issue. This is a report, never an assertion: the bench exits 0 when a target is missed.
 * `snapshot` is undefined when the snapshot section did not run.
 */
export function renderTargets(results: Results, snapshot?: SnapshotOutcome): string {
  const lines: string[] = ['### targets', ''];
  const v = (
    scenario: Parameters<typeof valueOf>[1],
    server: Parameters<typeof valueOf>[2],
    key: string,
  ) => valueOf(results, scenario, server, key);
  const verdict = (ok: boolean | undefined) =>
    ok === undefined ? 'not measured' : ok ? 'met' : '**NOT met**';
  const known = (...xs: (number | undefined)[]) =>
    xs.every((x) => x !== undefined && !Number.isNaN(x));

  const ours = v('fanout', 'ours', 'p99');
  const relay = v('fanout', 'ws-relay', 'p99');
  const yws = v('fanout', 'y-websocket', 'p99');
  const hocus = v('fanout', 'hocuspocus', 'p99');
  lines.push(
    `- issue 3 — fan-out p99 ≤ 1.5× the raw relay: ours ${formatNumber(ours)} ms vs relay ${formatNumber(relay)} ms → ` +
      verdict(known(ours, relay) ? ours! <= 1.5 * relay! : undefined),
  );
  lines.push(
    `- issue 3 — fan-out p99 better than both peers: ours ${formatNumber(ours)} ms vs y-websocket ${formatNumber(yws)} ms, hocuspocus ${formatNumber(hocus)} ms → ` +
      verdict(known(ours, yws, hocus) ? ours! < yws! && ours! < hocus! : undefined),
  );
  const oursUps = v('flat-out', 'ours', 'updatesPerSec');
  const bestUps = Math.max(
    v('flat-out', 'y-websocket', 'updatesPerSec') ?? NaN,
    v('flat-out', 'hocuspocus', 'updatesPerSec') ?? NaN,
  );
  lines.push(
    `- issue 3 — updates/s at least the best peer's: ours ${formatNumber(oursUps)} vs best peer ${formatNumber(bestUps)} → ` +
      verdict(known(oursUps, bestUps) ? oursUps! >= bestUps : undefined),
  );
  const oursMem = v('idle', 'ours', 'rssPerSocket');
  const bestMem = Math.min(
    v('idle', 'y-websocket', 'rssPerSocket') ?? NaN,
    v('idle', 'hocuspocus', 'rssPerSocket') ?? NaN,
  );
  lines.push(
    `- issue 3 — memory per idle socket at most the best peer's (RSS): ours ${formatNumber(oursMem)} KiB vs best peer ${formatNumber(bestMem)} KiB → ` +
      verdict(known(oursMem, bestMem) ? oursMem! <= bestMem : undefined),
  );
  lines.push(snapshotTarget(snapshot));
  return lines.join('\n');
}

function snapshotTarget(snapshot: SnapshotOutcome | undefined): string {
  const target = `event-loop lag p99 < ${SNAPSHOT_LAG_P99_TARGET_MS} ms`;
  if (!snapshot) {
    return `- issue 8 — snapshot, diff and restore of a workspace: ${target} → not measured`;
  }
  const what = `- issue 8 — snapshot, diff and restore of a ${formatNumber(snapshot.tickets)}-ticket workspace: ${target}`;
  if (snapshot.kind === 'failed') return `${what} → not measured (the run FAILED)`;
  const worst = worstSnapshotPhase(snapshot.results);
  if (!worst) return `${what} → not measured`;
  return (
    `${what}; worst "${worst.phase}": ${formatNumber(worst.lagP99)} ms → ` +
    (worst.lagP99 < SNAPSHOT_LAG_P99_TARGET_MS ? 'met' : '**NOT met**')
  );
}
