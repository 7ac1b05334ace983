import type { BenchOptions } from '../options.ts';
import type { Scenario } from '../scenarios/Scenario.ts';
import { formatNumber, formatRatio } from './format.ts';
import type { Outcome, Results } from './Results.ts';

/**
 * A scenario's results as a Markdown table: one row per metric, one column per server,
 * each other server's cell followed by the ratio ours ÷ theirs. Markdown so the output can
 * be pasted into BENCHMARKS.md as it is.
 */
export function renderScenario(scenario: Scenario, o: BenchOptions, results: Results): string {
  const servers = o.servers;
  const byServer = results.get(scenario.name);
  const header = ['metric', ...servers.map((s) => s)];
  const rows: string[][] = [];
  for (const metric of scenario.metricsFor?.(o) ?? scenario.metrics) {
    const oursValue = cellValue(byServer?.get('ours'), metric.key);
    const row = [`${metric.label} (${metric.unit}, ${betterWord(metric.better)})`];
    for (const server of servers) {
      const outcome = byServer?.get(server);
      if (!outcome) row.push('');
      else if (outcome.kind === 'not-applicable') row.push('n/a');
      else if (outcome.kind === 'failed') row.push('failed');
      else {
        const key = server === 'ours' ? metric.key : (metric.compareWith ?? metric.key);
        const value = outcome.values[key];
        const ratio = server === 'ours' ? '' : formatRatio(oursValue, value);
        row.push(ratio ? `${formatNumber(value)} (${ratio})` : formatNumber(value));
      }
    }
    rows.push(row);
  }
  const notes: string[] = (scenario.notes ?? []).map((n) => `- ${n}`);
  for (const server of servers) {
    const outcome = byServer?.get(server);
    if (outcome?.kind === 'not-applicable') notes.push(`- ${server}: n/a — ${outcome.reason}`);
    if (outcome?.kind === 'failed') notes.push(`- ${server}: FAILED — ${outcome.error}`);
  }
  return [
    `### ${scenario.name}: ${scenario.title(o)}`,
    '',
    markdownTable(header, rows),
    ...(notes.length ? ['', ...notes] : []),
  ].join('\n');
}

function cellValue(outcome: Outcome | undefined, key: string): number | undefined {
  return outcome?.kind === 'measured' ? outcome.values[key] : undefined;
}

function betterWord(better: 'lower' | 'higher' | 'neither'): string {
  return better === 'neither' ? 'for reference' : `${better} is better`;
}

export function markdownTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}
