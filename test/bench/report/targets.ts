import type { Results, SnapshotOutcome } from './Results.ts';
import { valueOf, worstSnapshotPhase } from './Results.ts';
import { formatNumber } from './format.ts';
import { WRITER_LABELS, type WriterKind } from '../load/WritingDoc.ts';
import { ISOLATION_LAG_P99_TARGET_MS } from '../sections/isolation.ts';
import type { SectionResults } from '../sections/Section.ts';

/** Event-loop lag p99 a snapshot, diff or restore may cause at most (issue 8). */
export const SNAPSHOT_LAG_P99_TARGET_MS = 50;

/**
 * The issues' targets, checked against this run's numbers, each line labelled with its
 * issue. This is a report, never an assertion: the bench exits 0 when a target is missed.
 * `snapshot` is undefined when the snapshot section did not run.
 */
export function renderTargets(
  results: Results,
  snapshot?: SnapshotOutcome,
  sections: SectionResults = new Map(),
): string {
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
  lines.push(...issue13Targets(results, sections));
  return lines.join('\n');
}

/** Growth of a per-update cost from the smallest to the largest document, at most this. */
export const GROWTH_FLAT_RATIO = 1.5;
/** Ours' idle RSS at start, at most this times y-websocket's. */
export const START_RSS_RATIO = 1.5;

/**
 * Issue 13's targets: only the rows whose scenario ran are printed, each writer kind of the
 * grow-* scenarios on its own line.
 */
export function issue13Targets(results: Results, sections: SectionResults): string[] {
  const lines: string[] = [];
  const verdict = (ok: boolean | undefined) =>
    ok === undefined ? 'not measured' : ok ? 'met' : '**NOT met**';
  const known = (...xs: (number | undefined)[]) =>
    xs.every((x) => x !== undefined && !Number.isNaN(x));
  const ratio = (a: number | undefined, b: number | undefined) =>
    known(a, b) ? ` (×${(a! / b!).toFixed(2)})` : '';
  const kinds = new Set<WriterKind>();
  for (const scenario of ['grow-fanout', 'grow-rooms', 'grow-flood'] as const) {
    const row = results.get(scenario);
    const values = row?.get('ours');
    if (values?.kind !== 'measured') continue;
    for (const key of Object.keys(values.values)) {
      const kind = key.split(/[.-]/)[0] as WriterKind;
      if (kind in WRITER_LABELS) kinds.add(kind);
    }
  }
  for (const kind of kinds) {
    for (const [scenario, what, key] of [
      ['grow-fanout', 'fan-out', `${kind}.cpuPerDeliveryUs`],
      ['grow-rooms', 'many docs', `${kind}.cpuPerDeliveryUs`],
    ] as const) {
      const ours = valueOf(results, scenario, 'ours', key);
      const yws = valueOf(results, scenario, 'y-websocket', key);
      if (ours === undefined && yws === undefined) continue;
      lines.push(
        `- issue 13 — ${WRITER_LABELS[kind]}, ${what}: CPU per delivered update ≤ y-websocket's: ours ${formatNumber(ours)} µs vs ${formatNumber(yws)} µs${ratio(ours, yws)} → ` +
          verdict(known(ours, yws) ? ours! <= yws! : undefined),
      );
    }
    const row = results.get('grow-flood')?.get('ours');
    if (row?.kind !== 'measured') continue;
    const windows = [
      ...new Set(
        Object.keys(row.values)
          .filter((k) => k.startsWith(`${kind}-`))
          .map((k) => Number(k.slice(kind.length + 1).split('.')[0])),
      ),
    ].sort((a, b) => a - b);
    for (const w of windows) {
      const cpuOurs = valueOf(results, 'grow-flood', 'ours', `${kind}-${w}.cpuPerDeliveryUs`);
      const cpuYws = valueOf(results, 'grow-flood', 'y-websocket', `${kind}-${w}.cpuPerDeliveryUs`);
      const upsOurs = valueOf(results, 'grow-flood', 'ours', `${kind}-${w}.updatesPerSec`);
      const upsYws = valueOf(results, 'grow-flood', 'y-websocket', `${kind}-${w}.updatesPerSec`);
      lines.push(
        `- issue 13 — ${WRITER_LABELS[kind]}, flood with ${w} in flight: CPU per delivered update ≤ y-websocket's: ours ${formatNumber(cpuOurs)} µs vs ${formatNumber(cpuYws)} µs${ratio(cpuOurs, cpuYws)} → ` +
          verdict(known(cpuOurs, cpuYws) ? cpuOurs! <= cpuYws! : undefined),
      );
      lines.push(
        `- issue 13 — ${WRITER_LABELS[kind]}, flood with ${w} in flight: updates/s ≥ y-websocket's: ours ${formatNumber(upsOurs)} vs ${formatNumber(upsYws)}${ratio(upsOurs, upsYws)} → ` +
          verdict(known(upsOurs, upsYws) ? upsOurs! >= upsYws! : undefined),
      );
    }
  }
  const rssOurs = valueOf(results, 'start-rss', 'ours', 'rssMiB');
  const rssYws = valueOf(results, 'start-rss', 'y-websocket', 'rssMiB');
  if (rssOurs !== undefined || rssYws !== undefined) {
    lines.push(
      `- issue 13 — idle RSS at start within ${START_RSS_RATIO}× y-websocket's: ours ${formatNumber(rssOurs)} MiB vs ${formatNumber(rssYws)} MiB${ratio(rssOurs, rssYws)} → ` +
        verdict(known(rssOurs, rssYws) ? rssOurs! <= START_RSS_RATIO * rssYws! : undefined),
    );
  }
  const growth = sections.get('growth');
  if (growth) {
    if (growth.kind === 'failed') {
      lines.push('- issue 13 — growth: per-update cost flat → not measured (the run FAILED)');
    } else {
      const v = growth.values;
      const from = v.smallest!;
      const to = v.largest!;
      for (const [what, key, unit] of [
        ['server CPU per update', 'cpu', 'µs'],
        ['event-loop lag p99', 'lagP99', 'ms'],
      ] as const) {
        const a = v[`${key}.${from}`];
        const b = v[`${key}.${to}`];
        lines.push(
          `- issue 13 — growth ${from} → ${to} MB: ${what} ≤ ${GROWTH_FLAT_RATIO}× : ${formatNumber(a)} → ${formatNumber(b)} ${unit}${ratio(b, a)} → ` +
            verdict(known(a, b) ? b! <= GROWTH_FLAT_RATIO * a! : undefined),
        );
      }
    }
  }
  const isolation = sections.get('isolation');
  if (isolation) {
    const worst = isolation.kind === 'measured' ? isolation.values.worstLagP99 : undefined;
    lines.push(
      `- issue 13 — isolation: a small workspace's lag p99 < ${ISOLATION_LAG_P99_TARGET_MS} ms while a large index is cold-loaded, written flat out, first-synced: worst phase ${formatNumber(worst)} ms → ` +
        (isolation.kind === 'failed'
          ? 'not measured (the run FAILED)'
          : verdict(known(worst) ? worst! < ISOLATION_LAG_P99_TARGET_MS : undefined)),
    );
  }
  const firstSync = sections.get('first-sync');
  if (firstSync) {
    if (firstSync.kind === 'failed') {
      lines.push(
        `- issue 13 — first sync of a large document: not measured (FAILED: ${firstSync.error.split('\n')[0]})`,
      );
    } else {
      const v = firstSync.values;
      lines.push(
        `- issue 13 — a new device's first sync of a ${formatNumber(v.mb)} MB document completes with no disconnect: ${formatNumber((v.ms ?? NaN) / 1000)} s, ${formatNumber(v.closes)} closes → ` +
          verdict(v.closes === 0),
      );
    }
  }
  return lines;
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
