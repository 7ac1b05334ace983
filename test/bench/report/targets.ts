import type { Results } from './Results.ts';
import { valueOf } from './Results.ts';
import { formatNumber } from './format.ts';

/**
 * The targets, checked against this run's numbers. This is a report, never an
 * assertion: the bench exits 0 when a target is missed.
 */
export function renderTargets(results: Results): string {
  const lines: string[] = ['### targets (issue 3)', ''];
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
    `- fan-out p99 ≤ 1.5× the raw relay: ours ${formatNumber(ours)} ms vs relay ${formatNumber(relay)} ms → ` +
      verdict(known(ours, relay) ? ours! <= 1.5 * relay! : undefined),
  );
  lines.push(
    `- fan-out p99 better than both peers: ours ${formatNumber(ours)} ms vs y-websocket ${formatNumber(yws)} ms, hocuspocus ${formatNumber(hocus)} ms → ` +
      verdict(known(ours, yws, hocus) ? ours! < yws! && ours! < hocus! : undefined),
  );
  const oursUps = v('flat-out', 'ours', 'updatesPerSec');
  const bestUps = Math.max(
    v('flat-out', 'y-websocket', 'updatesPerSec') ?? NaN,
    v('flat-out', 'hocuspocus', 'updatesPerSec') ?? NaN,
  );
  lines.push(
    `- updates/s at least the best peer's: ours ${formatNumber(oursUps)} vs best peer ${formatNumber(bestUps)} → ` +
      verdict(known(oursUps, bestUps) ? oursUps! >= bestUps : undefined),
  );
  const oursMem = v('idle', 'ours', 'rssPerSocket');
  const bestMem = Math.min(
    v('idle', 'y-websocket', 'rssPerSocket') ?? NaN,
    v('idle', 'hocuspocus', 'rssPerSocket') ?? NaN,
  );
  lines.push(
    `- memory per idle socket at most the best peer's (RSS): ours ${formatNumber(oursMem)} KiB vs best peer ${formatNumber(bestMem)} KiB → ` +
      verdict(known(oursMem, bestMem) ? oursMem! <= bestMem : undefined),
  );
  return lines.join('\n');
}
