import type { ScenarioName, ServerName } from '../options.ts';
import type { Measured } from '../scenarios/Scenario.ts';

/** One cell of the run: what a scenario measured on a server, or why it did not. */
export type Outcome =
  | { kind: 'measured'; values: Measured; seconds: number }
  | { kind: 'not-applicable'; reason: string }
  | { kind: 'failed'; error: string };

export type Results = Map<ScenarioName, Map<ServerName, Outcome>>;

export function valueOf(
  results: Results,
  scenario: ScenarioName,
  server: ServerName,
  key: string,
): number | undefined {
  const outcome = results.get(scenario)?.get(server);
  return outcome?.kind === 'measured' ? outcome.values[key] : undefined;
}
