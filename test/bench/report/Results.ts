import type { ServerName, ServerScenarioName } from '../options.ts';
import type { Measured } from '../scenarios/Scenario.ts';

/** One cell of the run: what a scenario measured on a server, or why it did not. */
export type Outcome =
  | { kind: 'measured'; values: Measured; seconds: number }
  | { kind: 'not-applicable'; reason: string }
  | { kind: 'failed'; error: string };

export type Results = Map<ServerScenarioName, Map<ServerName, Outcome>>;

export function valueOf(
  results: Results,
  scenario: ServerScenarioName,
  server: ServerName,
  key: string,
): number | undefined {
  const outcome = results.get(scenario)?.get(server);
  return outcome?.kind === 'measured' ? outcome.values[key] : undefined;
}

/** One row of `snapshotLag.ts`: an operation on the workspace, timed, with the lag it caused. */
export interface SnapshotPhase {
  phase: string;
  ms: number;
  /** Event-loop delay of the server process while the phase ran, in ms. */
  lagP50: number;
  lagP99: number;
  lagMax: number;
  /**
   * Round trip of a small edit between two stock y-websocket clients during the phase, in
   * ms; NaN (null once written as JSON) when no edit came through, as during the seed.
   */
  syncP50: number | null;
  syncP99: number | null;
  note: string;
}

/** What `snapshotLag.ts --json FILE` writes. */
export interface SnapshotLagJson {
  tickets: number;
  /** The first row is the seed, which is not a target. */
  results: SnapshotPhase[];
}

/** The `snapshot` section of `pnpm bench`: our server only, run in a child process. */
export type SnapshotOutcome =
  | ({ kind: 'measured'; changed: number; seconds: number } & SnapshotLagJson)
  | { kind: 'failed'; tickets: number; changed: number; error: string };

/** The phase with the highest lag p99, leaving out the seed (not a target). */
export function worstSnapshotPhase(phases: readonly SnapshotPhase[]): SnapshotPhase | undefined {
  let worst: SnapshotPhase | undefined;
  for (const phase of phases.slice(1)) {
    if (!worst || phase.lagP99 > worst.lagP99) worst = phase;
  }
  return worst;
}
