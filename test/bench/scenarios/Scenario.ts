import { seededRandom as sharedSeededRandom } from '@desk/protocol/testing';
import type { BenchOptions, ServerName, ServerScenarioName } from '../options.ts';
import type { RunningTarget } from '../targets/Target.ts';

export interface MetricDef {
  readonly key: string;
  readonly label: string;
  readonly unit: string;
  /** Which direction is good; the report reads ratios with it. */
  readonly better: 'lower' | 'higher' | 'neither';
  /**
   * For a row that only ours fills (e.g. our catch-up protocol): the metric whose value the
   * other servers show in this row, so the ratio compares like with like.
   */
  readonly compareWith?: string;
}

/** What one scenario measured on one server; a metric missing here is printed as "—". */
export type Measured = Partial<Record<string, number>>;

export interface Scenario {
  readonly name: ServerScenarioName;
  title(o: BenchOptions): string;
  readonly metrics: readonly MetricDef[];
  /** When the rows depend on the options (one per writer kind): used instead of `metrics`. */
  metricsFor?(o: BenchOptions): readonly MetricDef[];
  /** Lines printed under the table (what a row means). */
  readonly notes?: readonly string[];
  /** Always on a server process of its own, also with `--reuse-servers` and `--quick`. */
  readonly freshServer?: boolean;
  /** Why this scenario does not apply to a server, or null when it does. */
  notApplicable(server: ServerName): string | null;
  run(target: RunningTarget, o: BenchOptions): Promise<Measured>;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The shared seeded generator as a plain function, so write phases are the same for every server. */
export function seededRandom(seed: number): () => number {
  return sharedSeededRandom(seed).next;
}
