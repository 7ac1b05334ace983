import type { Results, SnapshotOutcome } from './Results.ts';
import { valueOf, worstSnapshotPhase } from './Results.ts';
import { formatNumber } from './format.ts';
import { markdownTable } from './renderTable.ts';
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
  // A run of issue 13's scenarios alone (--scenarios=issue13) prints only its table.
  const issue3Ran = ['fanout', 'rooms', 'flat-out', 'idle'].some((name) =>
    results.has(name as Parameters<typeof valueOf>[1]),
  );
  const issue13 = issue13Targets(results, sections);
  if (issue13.length && !issue3Ran && !snapshot) return ['### targets', ...issue13].join('\n');
  lines.push(...issue13);
  return lines.join('\n');
}

/** Growth of a per-update cost from the smallest to the largest document, at most this. */
export const GROWTH_FLAT_RATIO = 1.5;
/** Ours' idle RSS at start, at most this times y-websocket's. */
export const START_RSS_RATIO = 1.5;

/** One row of issue 13's targets table. */
interface TargetRow {
  target: string;
  unit: string;
  ours: number | undefined;
  /** The peers' values, for rows measured on every server. */
  peers?: { yws: number | undefined; hocus: number | undefined; relay: number | undefined };
  /** What ours is compared with, as text, when it is not y-websocket (e.g. "1 MB: 317"). */
  versus?: string;
  ratio: number | undefined;
  ok: boolean | undefined;
  note?: string;
}

/**
 * Issue 13's targets as a Markdown table (target, ours, the peers, ratio, verdict): only the
 * rows whose scenario ran, each writer kind of the grow-* scenarios on its own rows.
 */
export function issue13Targets(results: Results, sections: SectionResults): string[] {
  const rows: TargetRow[] = [];
  const known = (...xs: (number | undefined)[]) =>
    xs.every((x) => x !== undefined && !Number.isNaN(x));
  const div = (a: number | undefined, b: number | undefined) => (known(a, b) ? a! / b! : undefined);
  const peersOf = (scenario: Parameters<typeof valueOf>[1], key: string) => ({
    yws: valueOf(results, scenario, 'y-websocket', key),
    hocus: valueOf(results, scenario, 'hocuspocus', key),
    relay: valueOf(results, scenario, 'ws-relay', key),
  });
  const kinds = new Set<WriterKind>();
  for (const scenario of ['grow-fanout', 'grow-rooms', 'grow-flood'] as const) {
    const values = results.get(scenario)?.get('ours');
    if (values?.kind !== 'measured') continue;
    for (const key of Object.keys(values.values)) {
      const kind = key.split(/[.-]/)[0] as WriterKind;
      if (kind in WRITER_LABELS) kinds.add(kind);
    }
  }
  for (const kind of kinds) {
    for (const [scenario, what] of [
      ['grow-fanout', 'fan-out'],
      ['grow-rooms', 'many docs'],
    ] as const) {
      const key = `${kind}.cpuPerDeliveryUs`;
      const ours = valueOf(results, scenario, 'ours', key);
      const peers = peersOf(scenario, key);
      if (ours === undefined && peers.yws === undefined) continue;
      rows.push({
        target: `${WRITER_LABELS[kind]}, ${what}: CPU per delivered update ≤ y-websocket's`,
        unit: 'µs',
        ours,
        peers,
        ratio: div(ours, peers.yws),
        ok: known(ours, peers.yws) ? ours! <= peers.yws! : undefined,
      });
    }
    const flood = results.get('grow-flood')?.get('ours');
    if (flood?.kind !== 'measured') continue;
    const windows = [
      ...new Set(
        Object.keys(flood.values)
          .filter((k) => k.startsWith(`${kind}-`))
          .map((k) => Number(k.slice(kind.length + 1).split('.')[0])),
      ),
    ].sort((a, b) => a - b);
    for (const w of windows) {
      const cpuKey = `${kind}-${w}.cpuPerDeliveryUs`;
      const upsKey = `${kind}-${w}.updatesPerSec`;
      const cpu = valueOf(results, 'grow-flood', 'ours', cpuKey);
      const cpuPeers = peersOf('grow-flood', cpuKey);
      const ups = valueOf(results, 'grow-flood', 'ours', upsKey);
      const upsPeers = peersOf('grow-flood', upsKey);
      rows.push({
        target: `${WRITER_LABELS[kind]}, flood, ${w} in flight: CPU per delivered update ≤ y-websocket's`,
        unit: 'µs',
        ours: cpu,
        peers: cpuPeers,
        ratio: div(cpu, cpuPeers.yws),
        ok: known(cpu, cpuPeers.yws) ? cpu! <= cpuPeers.yws! : undefined,
      });
      rows.push({
        target: `${WRITER_LABELS[kind]}, flood, ${w} in flight: updates/s ≥ y-websocket's`,
        unit: '/s',
        ours: ups,
        peers: upsPeers,
        ratio: div(ups, upsPeers.yws),
        ok: known(ups, upsPeers.yws) ? ups! >= upsPeers.yws! : undefined,
      });
    }
  }
  const rss = valueOf(results, 'start-rss', 'ours', 'rssMiB');
  const rssPeers = peersOf('start-rss', 'rssMiB');
  if (rss !== undefined || rssPeers.yws !== undefined) {
    rows.push({
      target: `idle RSS at start ≤ ${START_RSS_RATIO}× y-websocket's`,
      unit: 'MiB',
      ours: rss,
      peers: rssPeers,
      ratio: div(rss, rssPeers.yws),
      ok: known(rss, rssPeers.yws) ? rss! <= START_RSS_RATIO * rssPeers.yws! : undefined,
    });
  }
  const growth = sections.get('growth');
  if (growth?.kind === 'measured') {
    const v = growth.values;
    const from = v.smallest!;
    const to = v.largest!;
    for (const [what, key, unit] of [
      ['server CPU per update', 'cpu', 'µs'],
      ['event-loop lag p99', 'lagP99', 'ms'],
    ] as const) {
      const a = v[`${key}.${from}`];
      const b = v[`${key}.${to}`];
      rows.push({
        target: `growth ${from} → ${to} MB: ${what} flat (≤ ${GROWTH_FLAT_RATIO}×)`,
        unit,
        ours: b,
        versus: `${from} MB: ${formatNumber(a)}`,
        ratio: div(b, a),
        ok: known(a, b) ? b! <= GROWTH_FLAT_RATIO * a! : undefined,
      });
    }
  } else if (growth) {
    rows.push(failedRow('growth: per-update cost flat', growth.error));
  }
  const isolation = sections.get('isolation');
  if (isolation?.kind === 'measured') {
    const worst = isolation.values.worstLagP99;
    const unsynced = isolation.values.unsynced ?? 0;
    rows.push({
      target: `isolation: small workspace's lag p99 < ${ISOLATION_LAG_P99_TARGET_MS} ms (worst phase)`,
      unit: 'ms',
      ours: worst,
      ratio: div(worst, ISOLATION_LAG_P99_TARGET_MS),
      versus: `target ${ISOLATION_LAG_P99_TARGET_MS}${unsynced ? `; ${unsynced} new device(s) NOT synced` : ''}`,
      ok: known(worst) ? worst! < ISOLATION_LAG_P99_TARGET_MS : undefined,
    });
    rows.push({
      target: 'isolation: every new device synced (cold, and while the index is written)',
      unit: 'not synced',
      ours: unsynced,
      ratio: undefined,
      ok: unsynced === 0,
    });
  } else if (isolation) {
    rows.push(failedRow('isolation: lag p99', isolation.error));
  }
  const firstSync = sections.get('first-sync');
  if (firstSync?.kind === 'measured') {
    const v = firstSync.values;
    rows.push({
      target: `first sync of a ${formatNumber(v.mb)} MB document with no disconnect`,
      unit: 's',
      ours: (v.ms ?? NaN) / 1000,
      versus: `${formatNumber(v.closes)} closes${v.synced === 0 ? ', NOT synced' : ''}`,
      ratio: undefined,
      ok: v.closes === 0 && v.synced === 1,
    });
  } else if (firstSync) {
    rows.push(failedRow('first sync of a large document', firstSync.error));
  }
  if (!rows.length) return [];
  const verdict = (ok: boolean | undefined) =>
    ok === undefined ? 'not measured' : ok ? 'met' : '**NOT met**';
  const cell = (x: number | undefined) => formatNumber(x);
  return [
    '',
    '#### issue 13',
    '',
    markdownTable(
      ['target', 'ours', 'y-websocket', 'hocuspocus', 'ws-relay', 'ratio', 'verdict'],
      rows.map((r) => [
        r.target,
        r.ours === undefined ? (r.note ?? '—') : `${cell(r.ours)} ${r.unit}`,
        r.peers ? cell(r.peers.yws) : (r.versus ?? ''),
        r.peers ? cell(r.peers.hocus) : '',
        r.peers ? cell(r.peers.relay) : '',
        r.ratio === undefined ? '' : `×${r.ratio.toFixed(2)}`,
        verdict(r.ok),
      ]),
    ),
    '',
    'ratio: ours ÷ y-websocket; for growth, largest ÷ smallest size; for isolation, ours ÷ the target. Rows of ours alone name what they compare with in the y-websocket column.',
  ];
}

function failedRow(target: string, error: string): TargetRow {
  return {
    target,
    unit: '',
    ours: undefined,
    ratio: undefined,
    ok: undefined,
    note: `FAILED: ${error.split('\n')[0]}`,
  };
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
