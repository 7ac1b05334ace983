import type { BenchOptions, SectionName } from '../options.ts';

/**
 * A measurement of our server alone (issue 13) that needs data prepared before the server
 * starts, so it starts its own server process: one Markdown table, and the numbers the
 * targets check (keys documented by each section).
 */
export interface Section {
  readonly name: SectionName;
  run(o: BenchOptions): Promise<SectionResult>;
}

export interface SectionResult {
  readonly markdown: string;
  readonly values: Readonly<Record<string, number>>;
}

/** How a section ended, for the targets and the JSON. */
export type SectionOutcome =
  | { kind: 'measured'; values: Readonly<Record<string, number>>; seconds: number }
  | { kind: 'failed'; error: string };

export type SectionResults = Map<SectionName, SectionOutcome>;
