import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { makeTempDir } from '../support/tempDir.ts';
import type { BenchOptions } from './options.ts';
import type { SnapshotLagJson, SnapshotOutcome } from './report/Results.ts';
import { trackChild } from './targets/childRegistry.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const script = path.join(here, 'snapshotLag.ts');

/** Lines of the child's stderr kept for the error message when it fails. */
const STDERR_TAIL = 20;

export interface SnapshotRun {
  readonly outcome: SnapshotOutcome;
  /** The child's Markdown table (its stdout), printed as it is. */
  readonly markdown: string;
}

/**
 * The `snapshot` section of `pnpm bench`: `snapshotLag.ts` in its own Node process (with the
 * tsx loader, as the bench starts every other TS child), so its event-loop numbers are those
 * of a server alone in its process, not sharing the bench's loop. Its progress lines
 * (stderr) are passed through to ours as they come; the table is its stdout; the numbers
 * come back through `--json` in a temp file. Never throws: a failed child is an outcome.
 */
export async function runSnapshotLag(o: BenchOptions): Promise<SnapshotRun> {
  const tickets = o.n['snapshot-tickets'];
  const changed = o.n['snapshot-changed'];
  const temp = makeTempDir('desk-bench-snapshot-');
  const jsonPath = path.join(temp.dir, 'snapshot.json');
  const started = performance.now();
  let stdout = '';
  const tail: string[] = [];
  try {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        script,
        '--tickets',
        String(tickets),
        '--changed',
        String(changed),
        '--json',
        jsonPath,
      ],
      {
        cwd: repoRoot,
        env: {
          PATH: process.env.PATH ?? '',
          NODE_ENV: 'production',
          ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    trackChild(child);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
      (resolve, reject) => {
        child.once('error', reject);
        child.once('close', (code, signal) => resolve({ code, signal }));
      },
    );
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    readline.createInterface({ input: child.stderr }).on('line', (line) => {
      process.stderr.write(`${line}\n`);
      tail.push(line);
      if (tail.length > STDERR_TAIL) tail.shift();
    });
    const { code, signal } = await exited;
    const seconds = (performance.now() - started) / 1000;
    if (code !== 0) {
      const how = signal ? `signal ${signal}` : `code ${code}`;
      throw new Error(`snapshotLag.ts exited with ${how}${stderrTail(tail)}`);
    }
    let json: SnapshotLagJson;
    try {
      json = JSON.parse(fs.readFileSync(jsonPath, 'utf8')) as SnapshotLagJson;
    } catch (err) {
      throw new Error(
        `snapshotLag.ts wrote no readable --json file: ${err instanceof Error ? err.message : String(err)}${stderrTail(tail)}`,
        { cause: err },
      );
    }
    if (!Array.isArray(json.results) || json.results.length < 2) {
      throw new Error(`snapshotLag.ts --json holds no measured phase${stderrTail(tail)}`);
    }
    return {
      outcome: { kind: 'measured', tickets: json.tickets, changed, seconds, results: json.results },
      markdown: stdout.trimEnd(),
    };
  } catch (err) {
    return {
      outcome: {
        kind: 'failed',
        tickets,
        changed,
        error: err instanceof Error ? err.message : String(err),
      },
      markdown: stdout.trimEnd(),
    };
  } finally {
    temp.remove();
  }
}

function stderrTail(lines: readonly string[]): string {
  return lines.length ? `; its stderr ended with:\n${lines.join('\n')}` : ' (no stderr)';
}
