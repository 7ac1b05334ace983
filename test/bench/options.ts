/**
 * Benchmark sizes, from CLI flags (`--fanout-clients 50` or `--fanout-clients=50`), then
 * environment variables (`BENCH_FANOUT_CLIENTS=50`), then the defaults of the chosen mode.
 * `--quick` picks small sizes for a smoke run that finishes in well under a minute.
 */
import { WRITER_KINDS, type WriterKind } from './load/WritingDoc.ts';

export const SERVER_NAMES = ['ours', 'y-websocket', 'hocuspocus', 'ws-relay'] as const;
export type ServerName = (typeof SERVER_NAMES)[number];

/** Scenarios run against every server (one `Scenario` each, in `scenarios/`). */
export const SERVER_SCENARIO_NAMES = [
  'fanout',
  'rooms',
  'flat-out',
  'idle',
  'catch-up',
  'cold-load',
  // issue 13: writers that grow documents, and memory at start
  'grow-fanout',
  'grow-rooms',
  'grow-flood',
  'start-rss',
] as const;
export type ServerScenarioName = (typeof SERVER_SCENARIO_NAMES)[number];

/**
 * Sections about our server alone (issue 13), each with its own server process and data
 * prepared before it starts (`sections/`): per-update cost while one document grows,
 * a new device's first sync of a large document, and a small workspace's lag while a
 * large one is busy.
 */
export const SECTION_NAMES = [
  'growth',
  'first-sync',
  'isolation',
  'desk-browser',
  'cluster',
] as const;
export type SectionName = (typeof SECTION_NAMES)[number];

/**
 * Everything `--scenarios` can pick, in the order they run: the per-server scenarios, the
 * sections of our server alone, then `snapshot` — snapshot/diff/restore lag of our server
 * alone (`snapshotLag.ts`, run in a child process by `runSnapshotLag.ts`).
 */
export const SCENARIO_NAMES = [...SERVER_SCENARIO_NAMES, ...SECTION_NAMES, 'snapshot'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** Names `--scenarios` accepts for a group of scenarios, by the issue that set their targets. */
export const SCENARIO_GROUPS: Readonly<Record<string, readonly ScenarioName[]>> = {
  issue3: ['fanout', 'rooms', 'flat-out', 'idle', 'catch-up', 'cold-load'],
  issue8: ['snapshot'],
  issue15: ['desk-browser'],
  issue19: ['cluster'],
  issue13: [
    'grow-fanout',
    'grow-rooms',
    'grow-flood',
    'start-rss',
    'growth',
    'first-sync',
    'isolation',
  ],
};

export function isServerScenario(name: ScenarioName): name is ServerScenarioName {
  return (SERVER_SCENARIO_NAMES as readonly string[]).includes(name);
}

export function isSection(name: ScenarioName): name is SectionName {
  return (SECTION_NAMES as readonly string[]).includes(name);
}

interface NumberOption {
  /** Flag name without the leading dashes; the env variable is BENCH_ + upper snake case. */
  readonly flag: string;
  readonly full: number;
  readonly quick: number;
  readonly help: string;
}

const NUMBER_OPTIONS = [
  { flag: 'fanout-clients', full: 50, quick: 10, help: 'clients in the one fan-out doc' },
  { flag: 'fanout-rate', full: 4, quick: 4, help: 'updates per second per fan-out client' },
  { flag: 'rooms-docs', full: 200, quick: 10, help: 'docs in the many-rooms scenario' },
  { flag: 'rooms-clients', full: 5, quick: 5, help: 'clients per doc in the many-rooms scenario' },
  { flag: 'rooms-rate', full: 1, quick: 1, help: 'updates per second per many-rooms client' },
  { flag: 'measure-ms', full: 10_000, quick: 700, help: 'measuring time of timed scenarios' },
  { flag: 'warmup-ms', full: 2_000, quick: 200, help: 'warm-up before measuring' },
  { flag: 'flat-writers', full: 4, quick: 2, help: 'writers in the flat-out doc' },
  { flag: 'flat-readers', full: 4, quick: 2, help: 'readers in the flat-out doc' },
  { flag: 'flat-window', full: 256, quick: 32, help: 'updates a writer may have in flight' },
  { flag: 'idle-sockets', full: 2_000, quick: 100, help: 'idle sockets held open' },
  { flag: 'idle-docs', full: 100, quick: 10, help: 'docs the idle sockets are spread over' },
  { flag: 'catchup-docs', full: 5_000, quick: 50, help: 'docs the reconnecting client holds' },
  { flag: 'catchup-changed', full: 50, quick: 5, help: 'docs changed while it was away' },
  { flag: 'coldload-updates', full: 10_000, quick: 300, help: 'logged updates in the cold doc' },
  {
    flag: 'snapshot-tickets',
    full: 10_000,
    quick: 1_000,
    help: 'tickets in the snapshot workspace',
  },
  { flag: 'snapshot-changed', full: 100, quick: 10, help: 'tickets changed between snapshots' },
  // issue 13
  { flag: 'grow-measure-ms', full: 5_000, quick: 700, help: 'measuring time of each grow-* run' },
  { flag: 'grow-warmup-ms', full: 1_000, quick: 200, help: 'warm-up before each grow-* run' },
  { flag: 'flood-writers', full: 4, quick: 2, help: 'writers in the grow-flood doc' },
  { flag: 'flood-readers', full: 4, quick: 2, help: 'readers in the grow-flood doc' },
  {
    flag: 'flood-window-small',
    full: 8,
    quick: 8,
    help: 'grow-flood: updates in flight, first run',
  },
  {
    flag: 'flood-window-large',
    full: 64,
    quick: 64,
    help: 'grow-flood: updates in flight, second run',
  },
  {
    flag: 'growth-measure-ms',
    full: 5_000,
    quick: 1_000,
    help: 'growth: writing time at each size',
  },
  { flag: 'growth-writers', full: 3, quick: 3, help: 'growth: clients appending to the doc' },
  { flag: 'growth-rate', full: 60, quick: 60, help: 'growth: updates per second per client' },
  { flag: 'first-sync-mb', full: 50, quick: 5, help: 'first-sync: document size in MB' },
  {
    flag: 'isolation-tickets',
    full: 10_000,
    quick: 500,
    help: 'isolation: tickets in the large workspace',
  },
  {
    flag: 'isolation-write-ms',
    full: 8_000,
    quick: 1_500,
    help: 'isolation: flat-out writing time',
  },
  { flag: 'isolation-window', full: 64, quick: 64, help: 'isolation: writes in flight' },
  // issue 15
  {
    flag: 'desk-tickets',
    full: 10_000,
    quick: 1_000,
    help: 'desk-browser: realistic tickets in the workspace (100000 for the large size)',
  },
  // issue 19
  { flag: 'cluster-clients', full: 40, quick: 8, help: 'cluster: /sync clients writing' },
  { flag: 'cluster-docs', full: 8, quick: 2, help: 'cluster: docs the clients write' },
  { flag: 'cluster-rate', full: 10, quick: 5, help: 'cluster: updates per second per client' },
  { flag: 'connect-concurrency', full: 200, quick: 100, help: 'sockets opening at once' },
  { flag: 'seed', full: 1, quick: 1, help: 'seed of the random phases' },
] as const satisfies readonly NumberOption[];

type NumberFlag = (typeof NUMBER_OPTIONS)[number]['flag'];

export interface BenchOptions {
  readonly quick: boolean;
  readonly servers: readonly ServerName[];
  readonly scenarios: readonly ScenarioName[];
  /**
   * A fresh server process for every scenario (default), or one per server for the whole
   * run (`--quick`, or `--reuse-servers`): our server takes seconds to start under tsx.
   */
  readonly reuseServers: boolean;
  /** Write the results as JSON to this file as well. */
  readonly jsonPath: string | null;
  readonly n: Readonly<Record<NumberFlag, number>>;
  /** grow-* scenarios: what the writers write (`--writers=text,rich`). */
  readonly writers: readonly WriterKind[];
  /** growth: the document sizes measured, in MB (`--growth-sizes=1,10,50,100`). */
  readonly growthSizesMb: readonly number[];
  /** The command that reproduces this run, printed with the results. */
  readonly command: string;
}

export class UsageError extends Error {}

export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') continue;
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument ${arg}`);
    const eq = arg.indexOf('=');
    if (eq > 0) flags.set(arg.slice(2, eq), arg.slice(eq + 1));
    else if (['--quick', '--help', '--reuse-servers'].includes(arg))
      flags.set(arg.slice(2), 'true');
    else flags.set(arg.slice(2), argv[++i] ?? '');
  }
  if (flags.has('help')) throw new UsageError(usage());
  const quick = flags.get('quick') === 'true' || env.BENCH_QUICK === '1';
  const n = {} as Record<NumberFlag, number>;
  // Variables read elsewhere (targets/ours.ts) still belong in the reproducing command.
  const commandParts = [
    'BENCH_OURS_WIRE',
    'BENCH_OURS_NODE_OPTIONS',
    'BENCH_OURS_RUN',
    'BENCH_OURS_SQLITE_SYNCHRONOUS',
    'BENCH_OURS_PLAN_RATES',
  ]
    .filter((name) => env[name])
    .map((name) => `${name}=${JSON.stringify(env[name])}`);
  commandParts.push('pnpm bench');
  if (quick) commandParts.push('--quick');
  for (const option of NUMBER_OPTIONS) {
    const envName = `BENCH_${option.flag.toUpperCase().replace(/-/g, '_')}`;
    const raw = flags.get(option.flag) ?? env[envName];
    flags.delete(option.flag);
    const value =
      raw === undefined || raw === '' ? (quick ? option.quick : option.full) : Number(raw);
    if (!Number.isInteger(value) || value < 0) {
      throw new UsageError(`--${option.flag} expects a whole number ≥ 0, got ${raw}`);
    }
    if (raw !== undefined && raw !== '') commandParts.push(`--${option.flag}=${value}`);
    n[option.flag] = value;
  }
  const servers = parseList(flags.get('servers') ?? env.BENCH_SERVERS, SERVER_NAMES, 'servers');
  const scenarios = parseList(
    expandGroups(flags.get('scenarios') ?? env.BENCH_SCENARIOS),
    SCENARIO_NAMES,
    'scenarios',
  );
  const writersRaw = flags.get('writers') ?? env.BENCH_WRITERS;
  const writers = writersRaw ? parseList(writersRaw, WRITER_KINDS, 'writers') : DEFAULT_WRITERS;
  if (writersRaw) commandParts.push(`--writers=${writers.join(',')}`);
  const sizesRaw = flags.get('growth-sizes') ?? env.BENCH_GROWTH_SIZES;
  const growthSizesMb = sizesRaw
    ? sizesRaw.split(',').map((x) => Number(x.trim()))
    : quick
      ? [1, 4]
      : [1, 10, 50, 100];
  if (growthSizesMb.some((mb) => !(mb > 0))) {
    throw new UsageError(`--growth-sizes expects sizes in MB > 0, got ${sizesRaw}`);
  }
  if (sizesRaw) commandParts.push(`--growth-sizes=${growthSizesMb.join(',')}`);
  if (servers.length < SERVER_NAMES.length) commandParts.push(`--servers=${servers.join(',')}`);
  if (scenarios.length < SCENARIO_NAMES.length) {
    commandParts.push(`--scenarios=${scenarios.join(',')}`);
  }
  const reuseServers = quick || flags.get('reuse-servers') === 'true';
  if (reuseServers && !quick) commandParts.push('--reuse-servers');
  const jsonPath = flags.get('json') ?? env.BENCH_JSON ?? null;
  if (jsonPath) commandParts.push(`--json=${jsonPath}`);
  for (const known of [
    'quick',
    'servers',
    'scenarios',
    'json',
    'reuse-servers',
    'writers',
    'growth-sizes',
  ])
    flags.delete(known);
  if (flags.size) throw new UsageError(`unknown option --${[...flags.keys()][0]}\n\n${usage()}`);
  return {
    quick,
    servers,
    scenarios,
    reuseServers,
    jsonPath,
    n,
    writers,
    growthSizesMb,
    command: commandParts.join(' '),
  };
}

const DEFAULT_WRITERS: readonly WriterKind[] = ['text', 'rich'];

/** `issue13` → its scenarios (see SCENARIO_GROUPS); other names pass through. */
function expandGroups(raw: string | undefined): string | undefined {
  if (!raw) return raw;
  return raw
    .split(',')
    .flatMap((name): readonly string[] => SCENARIO_GROUPS[name.trim()] ?? [name.trim()])
    .join(',');
}

function parseList<T extends string>(
  raw: string | undefined,
  all: readonly T[],
  what: string,
): readonly T[] {
  if (!raw) return all;
  const picked = raw.split(',').map((s) => s.trim());
  for (const name of picked) {
    if (!(all as readonly string[]).includes(name)) {
      throw new UsageError(`--${what}: unknown ${name}; expected some of ${all.join(',')}`);
    }
  }
  // Keep the canonical order so tables always read the same way.
  return all.filter((name) => picked.includes(name));
}

export function usage(): string {
  const lines = [
    'pnpm bench [--quick] [--servers=a,b] [--scenarios=a,b] [--reuse-servers] [--json=file] [--<size> N ...]',
    '',
    `servers:   ${SERVER_NAMES.join(', ')}`,
    `scenarios: ${SCENARIO_NAMES.join(', ')}`,
    `  groups: ${Object.entries(SCENARIO_GROUPS)
      .map(([group, names]) => `${group} = ${names.join(',')}`)
      .join('; ')}`,
    '  (growth, first-sync, isolation: our server alone, issue 13)',
    '  (snapshot: event-loop lag of our server alone while a workspace is snapshotted, diffed',
    '  and restored; bench/snapshotLag.ts in a child process, after the other scenarios;',
    '  --servers does not apply to it)',
    '',
    'BENCH_OURS_WIRE=yjs|sync: every scenario on that endpoint of ours (default: /sync, grow-* /yjs);',
    'BENCH_OURS_NODE_OPTIONS: extra Node flags for our server process;',
    "BENCH_OURS_RUN=tsx: our server from its TypeScript sources under tsx instead of pnpm start's build;",
    'BENCH_OURS_SQLITE_SYNCHRONOUS=FULL: our server with an fsync per commit (default: NORMAL);',
    "BENCH_OURS_PLAN_RATES=1: our server with the plan's update-rate limits (default: UPDATE_RATE_PER_* far above the load).",
    '',
    `--writers=${WRITER_KINDS.join(',')}: what grow-* writers write (default ${DEFAULT_WRITERS.join(',')})`,
    '--growth-sizes=1,10,50,100: growth document sizes in MB (--quick: 1,4)',
    '',
    'sizes (flag / env BENCH_<FLAG> / full default / --quick default):',
  ];
  for (const o of NUMBER_OPTIONS) {
    lines.push(
      `  --${o.flag.padEnd(20)} ${String(o.full).padStart(6)} ${String(o.quick).padStart(6)}  ${o.help}`,
    );
  }
  return lines.join('\n');
}
