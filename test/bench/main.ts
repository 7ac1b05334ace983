// `pnpm bench`: every scenario against every server in one run; prints Markdown tables
// with absolute numbers and ratios (ours ÷ theirs). Then the `snapshot` section, which
// concerns our server alone: snapshotLag.ts in a child process. See BENCHMARKS.md.
import fs from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  isSection,
  isServerScenario,
  parseOptions,
  UsageError,
  type BenchOptions,
  type SectionName,
  type ServerName,
  type ServerScenarioName,
} from './options.ts';
import { renderScenario } from './report/renderTable.ts';
import type { Outcome, Results, SnapshotOutcome } from './report/Results.ts';
import { renderTargets } from './report/targets.ts';
import { runSnapshotLag } from './runSnapshotLag.ts';
import { catchUpScenario } from './scenarios/catchUp.ts';
import { coldLoadScenario } from './scenarios/coldLoad.ts';
import { fanoutScenario } from './scenarios/fanout.ts';
import { flatOutScenario } from './scenarios/flatOut.ts';
import { idleScenario } from './scenarios/idle.ts';
import { growFanoutScenario, growFloodScenario, growRoomsScenario } from './scenarios/growing.ts';
import { roomsScenario } from './scenarios/rooms.ts';
import type { Scenario } from './scenarios/Scenario.ts';
import { startRssScenario } from './scenarios/startRss.ts';
import { firstSyncSection, growthSection } from './sections/growth.ts';
import { clusterSection } from './sections/cluster.ts';
import { deskBrowserSection } from './sections/deskBrowser.ts';
import { isolationSection } from './sections/isolation.ts';
import type { Section, SectionResults } from './sections/Section.ts';
import { oursTarget } from './targets/ours.ts';
import { hocuspocusTarget, wsRelayTarget, yWebsocketTarget } from './targets/peerTargets.ts';
import type { RunningTarget, Target } from './targets/Target.ts';

const scenarios: Record<ServerScenarioName, Scenario> = {
  fanout: fanoutScenario,
  rooms: roomsScenario,
  'flat-out': flatOutScenario,
  idle: idleScenario,
  'catch-up': catchUpScenario,
  'cold-load': coldLoadScenario,
  'grow-fanout': growFanoutScenario,
  'grow-rooms': growRoomsScenario,
  'grow-flood': growFloodScenario,
  'start-rss': startRssScenario,
};
const sections: Record<SectionName, Section> = {
  growth: growthSection,
  'first-sync': firstSyncSection,
  isolation: isolationSection,
  'desk-browser': deskBrowserSection,
  cluster: clusterSection,
};
const targets: Record<ServerName, Target> = {
  ours: oursTarget,
  'y-websocket': yWebsocketTarget,
  hocuspocus: hocuspocusTarget,
  'ws-relay': wsRelayTarget,
};

/** 1, 5 and 15 minute load averages: numbers taken on a busy machine are not comparable. */
function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ');
}

async function main(): Promise<number> {
  let options;
  try {
    options = parseOptions(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof UsageError) {
      const help = process.argv.includes('--help');
      (help ? process.stdout : process.stderr).write(`${err.message}\n`);
      return help ? 0 : 64;
    }
    throw err;
  }
  const started = performance.now();
  const serverScenarios = options.scenarios.filter(isServerScenario);
  const header = [
    `# pnpm bench — ${new Date().toISOString()}`,
    '',
    `command: \`${options.command}\``,
    `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}, ` +
      `${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}, node ${process.version}`,
    `load average at start: ${loadAverage()} (other processes on this machine skew every number)`,
    ...(serverScenarios.length
      ? [
          `servers: ${options.reuseServers ? 'one process per server for the whole run' : 'a fresh process per server and scenario'}`,
          'ratios: (×r) = ours ÷ that server, on the same row',
        ]
      : []),
  ].join('\n');
  process.stdout.write(`${header}\n\n`);

  const results: Results = new Map();
  let failures = 0;
  const shared = new Map<ServerName, RunningTarget>();
  const acquire = async (server: ServerName) => {
    if (!options.reuseServers) return targets[server].start();
    let running = shared.get(server);
    if (!running) shared.set(server, (running = await targets[server].start()));
    return running;
  };
  if (options.reuseServers && serverScenarios.length) {
    // Start them all at once: our server alone takes seconds to start under tsx.
    process.stderr.write('[bench] starting servers …\n');
    await Promise.all(options.servers.map(acquire));
  }
  for (const name of serverScenarios) {
    const scenario = scenarios[name];
    const row = new Map<ServerName, Outcome>();
    results.set(name, row);
    for (const server of options.servers) {
      const reason = scenario.notApplicable(server);
      if (reason) {
        row.set(server, { kind: 'not-applicable', reason });
        continue;
      }
      process.stderr.write(`[bench] ${name} on ${server} … `);
      const t0 = performance.now();
      let running: RunningTarget | undefined;
      const fresh = !options.reuseServers || scenario.freshServer === true;
      try {
        running = fresh ? await targets[server].start() : await acquire(server);
        const values = await scenario.run(running, options);
        const seconds = (performance.now() - t0) / 1000;
        row.set(server, { kind: 'measured', values, seconds });
        process.stderr.write(`${seconds.toFixed(1)} s (load average ${loadAverage()})\n`);
      } catch (err) {
        failures++;
        const error = err instanceof Error ? err.message : String(err);
        row.set(server, { kind: 'failed', error });
        process.stderr.write(`FAILED: ${error}\n`);
      } finally {
        if (fresh) await running?.stop();
      }
    }
    process.stdout.write(`${renderScenario(scenario, options, results)}\n\n`);
  }
  for (const running of shared.values()) await running.stop();
  const sectionResults: SectionResults = new Map();
  for (const name of options.scenarios.filter(isSection)) {
    process.stderr.write(`[bench] ${name} on ours …\n`);
    const t0 = performance.now();
    try {
      const { markdown, values } = await sections[name].run(options);
      const seconds = (performance.now() - t0) / 1000;
      sectionResults.set(name, { kind: 'measured', values, seconds });
      process.stderr.write(
        `[bench] ${name}: ${seconds.toFixed(1)} s (load average ${loadAverage()})\n`,
      );
      process.stdout.write(`${markdown}\n\n(${name}: ${seconds.toFixed(0)} s)\n\n`);
    } catch (err) {
      failures++;
      const error = err instanceof Error ? err.message : String(err);
      sectionResults.set(name, { kind: 'failed', error });
      process.stderr.write(`[bench] ${name} FAILED: ${error}\n`);
      process.stdout.write(`### ${name}\n\n- ours: FAILED — ${error}\n\n`);
    }
  }
  let snapshot: SnapshotOutcome | undefined;
  if (options.scenarios.includes('snapshot')) {
    snapshot = await snapshotSection(options);
    if (snapshot.kind === 'failed') failures++;
  }
  process.stdout.write(`${renderTargets(results, snapshot, sectionResults)}\n\n`);
  process.stdout.write(
    `total ${((performance.now() - started) / 1000).toFixed(1)} s` +
      `, load average at end: ${loadAverage()}` +
      (failures ? `, ${failures} run(s) FAILED` : '') +
      '\n',
  );
  if (options.jsonPath) {
    const json = {
      command: options.command,
      node: process.version,
      cpus: os.cpus().length,
      results: Object.fromEntries(
        [...results].map(([scenario, row]) => [scenario, Object.fromEntries(row)]),
      ),
      ...(sectionResults.size ? { sections: Object.fromEntries(sectionResults) } : {}),
      ...(snapshot ? { snapshot } : {}),
    };
    fs.writeFileSync(options.jsonPath, `${JSON.stringify(json, null, 2)}\n`);
  }
  return failures ? 1 : 0;
}

/**
 * After the per-server scenarios (and with their servers stopped, so they do not share the
 * machine with it): snapshot, diff and restore lag of our server, in a child process.
 */
async function snapshotSection(options: BenchOptions): Promise<SnapshotOutcome> {
  const tickets = options.n['snapshot-tickets'];
  const changed = options.n['snapshot-changed'];
  process.stderr.write(
    `[bench] snapshot on ours (${tickets} tickets, ${changed} changed; snapshotLag.ts in a child process) …\n`,
  );
  const { outcome, markdown } = await runSnapshotLag(options);
  if (outcome.kind === 'measured') {
    process.stderr.write(
      `[bench] snapshot: ${outcome.seconds.toFixed(1)} s (load average ${loadAverage()})\n`,
    );
    process.stdout.write(`${markdown}\n\n`);
  } else {
    process.stderr.write(`[bench] snapshot FAILED: ${outcome.error}\n`);
    const [first, ...rest] = outcome.error.split('\n');
    process.stdout.write(
      (markdown ||
        `### snapshot: a ${tickets.toLocaleString('en-US')}-ticket workspace snapshotted, diffed and restored`) +
        '\n\n' +
        `- ours: FAILED — ${first}\n` +
        (rest.length ? `\n\`\`\`text\n${rest.join('\n')}\n\`\`\`\n` : '') +
        '\n',
    );
  }
  return outcome;
}

process.once('SIGINT', () => process.exit(130)); // exit handlers kill the servers
process.once('SIGTERM', () => process.exit(143));

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `bench crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
