import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  closesText,
  deviceEventsNote,
  firstSyncOnNewDevice,
  syncedText,
  type FirstSync,
} from '../load/device.ts';
import type { BenchOptions } from '../options.ts';
import { markdownTable } from '../report/renderTable.ts';
import { formatNumber } from '../report/format.ts';
import { runLatency, type LatencyRunSize } from '../scenarios/latencyRun.ts';
import { residentBytes } from '../scenarios/startRss.ts';
import { growingIndexStates } from '../seed/realisticTickets.ts';
import { largestDocPlan, setPlan, storeCompacted } from '../seed/storeDocs.ts';
import { startOurs, type RunningOurs } from '../targets/ours.ts';
import type { LagSample } from '../targets/Target.ts';
import type { Section, SectionResult } from './Section.ts';

/** A large doc's id: index-shaped content under a numeric ticket id of the bench workspace. */
const docIdFor = (workspaceId: string, mb: number) =>
  `${workspaceId}:ticket:${9_000_000 + Math.round(mb * 10)}`;

interface Stored {
  readonly mb: number;
  readonly docId: string;
  readonly bytes: number;
}

/** Room for the writes of the growth section above the largest document stored. */
const WRITING_HEADROOM_BYTES = 16 * 2 ** 20;

/**
 * Builds the docs (growingIndexStates), stores each compacted into a fresh data folder
 * before our server starts, and starts it. With `writable`, the server's operator override
 * DOC_SIZE_LIMIT_BYTES lets every doc be written (the largest plan stops at 50 MiB; the
 * plans themselves stay as they are).
 */
async function serverWithDocs(
  sizesMb: readonly number[],
  { writable = false }: { writable?: boolean } = {},
): Promise<{ ours: RunningOurs; stored: Stored[]; seedSeconds: number; docLimit: number }> {
  const t0 = performance.now();
  process.stderr.write(`[bench]   building docs of ${sizesMb.join(', ')} MB …\n`);
  const states = growingIndexStates(sizesMb);
  const largestStored = Math.max(0, ...[...states.values()].map((state) => state.byteLength));
  const docLimit = writable
    ? Math.max(largestDocPlan.documentSizeLimitBytes, largestStored + WRITING_HEADROOM_BYTES)
    : largestDocPlan.documentSizeLimitBytes;
  const stored: Stored[] = [];
  const ours = await startOurs({
    env: writable ? { DOC_SIZE_LIMIT_BYTES: String(docLimit) } : {},
    prepare: (dataDir, identity) => {
      setPlan(dataDir, identity.workspaceId, largestDocPlan);
      const docs = [...states].map(([mb, state]) => ({
        docId: docIdFor(identity.workspaceId, mb),
        state,
      }));
      storeCompacted(dataDir, docs);
      for (const [mb, state] of states) {
        stored.push({ mb, docId: docIdFor(identity.workspaceId, mb), bytes: state.byteLength });
      }
    },
  });
  states.clear();
  return { ours, stored, seedSeconds: (performance.now() - t0) / 1000, docLimit };
}

/** A server using less than this share of a core over a second counts as idle. */
const IDLE_SHARE = 0.1;

/** Waits (at most a minute) until the server uses under IDLE_SHARE of a core for a second. */
async function untilIdle(ours: RunningOurs): Promise<string> {
  const started = performance.now();
  while (performance.now() - started < 60_000) {
    const before = ours.cpuMs();
    await sleep(1_000);
    if ((ours.cpuMs() - before) / 1_000 < IDLE_SHARE) {
      return `after ${((performance.now() - started) / 1000).toFixed(0)} s`;
    }
  }
  return 'NOT idle within 60 s';
}

function syncUrl(ours: RunningOurs): string {
  return `${ours.wsBase()}/sync?token=${encodeURIComponent(ours.identity.token)}`;
}

/** A new device's first sync of `docId`, with the server's event-loop delay meanwhile. */
async function measuredFirstSync(
  ours: RunningOurs,
  docId: string,
): Promise<{ sync: FirstSync; lag: LagSample }> {
  await ours.lag.start();
  try {
    const sync = await firstSyncOnNewDevice(syncUrl(ours), docId);
    return { sync, lag: await ours.lag.stop() };
  } catch (err) {
    await ours.lag.stop().catch(() => undefined);
    throw err;
  }
}

const mib = (bytes: number) => bytes / 2 ** 20;

/** The writing at each size: stock y-websocket clients appending words at a fixed rate. */
function writing(o: BenchOptions): LatencyRunSize {
  return {
    scope: 'growth',
    docs: 1,
    clientsPerDoc: o.n['growth-writers'],
    rate: o.n['growth-rate'],
    warmupMs: 1_000,
    measureMs: o.n['growth-measure-ms'],
    concurrency: o.n['growth-writers'],
    seed: o.n.seed,
    writer: 'text',
    wire: 'yjs',
    lag: true,
  };
}

/**
 * growth: one document at 1, 10, 50 and 100 MB (`--growth-sizes`), stored before the server
 * starts. At each size, smallest first: a new device's first sync (cold load + first sync,
 * the product's client in a child process), then `growth-writers` stock y-websocket clients
 * append words to a Y.Text in it, each `growth-rate` times a second, for `growth-measure-ms`:
 * server CPU per update written and the event-loop delay inside the server over the writing
 * window. Target (issue 13): flat, the largest
 * size's CPU per update and lag p99 at most 1.5× the smallest's.
 *
 * Values: `cpu.<mb>`, `lagP99.<mb>`, `firstSyncMs.<mb>`, `closes.<mb>`, `smallest`, `largest`.
 */
export const growthSection: Section = {
  name: 'growth',
  async run(o: BenchOptions): Promise<SectionResult> {
    const sizes = [...o.growthSizesMb].sort((a, b) => a - b);
    const { ours, stored, seedSeconds, docLimit } = await serverWithDocs(sizes, {
      writable: true,
    });
    const values: Record<string, number> = {};
    const writtenSizes: number[] = [];
    const rows: string[][] = [];
    const notes: string[] = [];
    try {
      // The server's start-up work first: the search projector's first pass reads every
      // stored doc (at 100 MB, seconds of decoding), which landed in the smallest size's
      // window and made it look the most expensive.
      const settled = await untilIdle(ours);
      notes.push(
        `- measured once the server was idle after its start (its CPU under ${IDLE_SHARE * 100} % of a core for a second): ${settled}.`,
      );
      // Warm the server's code paths first (JIT, statement caches) on a small doc of its
      // own, so the first size measured is not the one that pays for it.
      await runLatency(ours, {
        ...writing(o),
        scope: 'growth-warmup',
        warmupMs: 0,
        measureMs: o.quick ? 500 : 2_000,
        lag: false,
      });
      for (const doc of stored) {
        process.stderr.write(`[bench]   growth at ${doc.mb} MB: first sync …\n`);
        const first = await measuredFirstSync(ours, doc.docId);
        process.stderr.write(
          `[bench]   growth at ${doc.mb} MB: first sync ${syncedText(first.sync)}\n`,
        );
        notes.push(...deviceEventsNote(`first sync at ${doc.mb} MB`, first.sync));
        // Room for the writes: past the limit the server refuses them (doc_too_large).
        if (doc.bytes + 2 * 2 ** 20 > docLimit) {
          values[`firstSyncMs.${doc.mb}`] = first.sync.ms;
          values[`closes.${doc.mb}`] = first.sync.closes.length;
          rows.push([
            `${doc.mb} MB (${formatNumber(mib(doc.bytes))} MiB stored)`,
            `writes refused: over the document limit (${formatNumber(mib(docLimit))} MiB)`,
            '',
            '',
            '',
            '',
            '',
            syncedText(first.sync),
            formatNumber(first.lag.p99),
            formatNumber(first.lag.max),
            closesText(first.sync),
            formatNumber(mib(residentBytes(ours.pid))),
          ]);
          continue;
        }
        writtenSizes.push(doc.mb);
        const written = await runLatency(ours, { ...writing(o), docIds: [doc.docId] });
        const rss = residentBytes(ours.pid);
        values[`cpu.${doc.mb}`] = written.cpuPerUpdateUs ?? NaN;
        values[`lagP99.${doc.mb}`] = written.lagP99 ?? NaN;
        values[`firstSyncMs.${doc.mb}`] = first.sync.synced ? first.sync.ms : NaN;
        values[`closes.${doc.mb}`] = first.sync.closes.length;
        rows.push([
          `${doc.mb} MB (${formatNumber(mib(doc.bytes))} MiB stored)`,
          formatNumber(written.p99),
          formatNumber(written.cpuPerUpdateUs),
          formatNumber(written.cpuPct),
          formatNumber(written.lagP50),
          formatNumber(written.lagP99),
          formatNumber(written.lagMax),
          syncedText(first.sync),
          formatNumber(first.lag.p99),
          formatNumber(first.lag.max),
          closesText(first.sync),
          formatNumber(mib(rss)),
        ]);
      }
    } finally {
      await ours.stop();
    }
    // The flat target compares the smallest and the largest size that could be written.
    const smallest = writtenSizes[0] ?? NaN;
    const largest = writtenSizes[writtenSizes.length - 1] ?? NaN;
    values.smallest = smallest;
    values.largest = largest;
    const cpuRatio = values[`cpu.${largest}`]! / values[`cpu.${smallest}`]!;
    const lagRatio = values[`lagP99.${largest}`]! / values[`lagP99.${smallest}`]!;
    values.cpuRatio = cpuRatio;
    values.lagRatio = lagRatio;
    const markdown = [
      `### growth: one document at ${sizes.join(', ')} MB — per-update cost while it grows (ours; target flat, ≤ 1.5× from ${smallest} to ${largest} MB)`,
      '',
      markdownTable(
        [
          'doc size',
          'latency p99 (ms)',
          'CPU/update (µs)',
          'server CPU (% core)',
          'lag p50 (ms)',
          'lag p99 (ms)',
          'lag max (ms)',
          'first sync',
          'first-sync lag p99 (ms)',
          'first-sync lag max (ms)',
          'closes',
          'server RSS after (MiB)',
        ],
        rows,
      ),
      '',
      `- ${largest} MB ÷ ${smallest} MB: CPU per update ×${cpuRatio.toFixed(2)}, lag p99 ×${lagRatio.toFixed(2)}.`,
      `- writing: ${o.n['growth-writers']} stock y-websocket clients on /yjs each append a word to a Y.Text of the doc ${o.n['growth-rate']} times a second (a fixed rate, so every size gets the same load and batching), ${o.n['growth-measure-ms'] / 1000} s measured per size after 1 s of warm-up; CPU per update = server CPU ÷ updates written; latency: from a client's send to each other client's receipt.`,
      '- lag: event-loop delay inside the server process (perf_hooks histogram, 1 ms resolution, so ~1 ms is the floor) over the writing window, or over the first sync.',
      `- first sync: a new device (\`@desk/client\` SyncClient over /sync, child process) opens the doc cold (not loaded since the start) and waits until synced; closes: socket closes it saw.`,
      `- the workspace is on the ${largestDocPlan.name} plan, whose documents may grow largest (${formatNumber(mib(largestDocPlan.documentSizeLimitBytes))} MiB); the server runs with the operator override DOC_SIZE_LIMIT_BYTES=${docLimit} (${formatNumber(mib(docLimit))} MiB: the largest doc stored plus ${mib(WRITING_HEADROOM_BYTES)} MiB for the writes), so every size can be written. The plans are unchanged.`,
      ...notes,
      `- docs: index-shaped (ticket rows of ~2.5 KB made with @desk/model), stored compacted with the server's SqliteDocStore before it started; built and stored in ${seedSeconds.toFixed(0)} s.`,
    ].join('\n');
    return { markdown, values };
  },
};

/**
 * first-sync: a new device's first sync of one `first-sync-mb` document, cold (nothing loaded
 * since the server started). Target (issue 13): completes with no disconnect.
 *
 * Values: `ms`, `closes`, `lagP99`, `lagMax`, `mb`.
 */
export const firstSyncSection: Section = {
  name: 'first-sync',
  async run(o: BenchOptions): Promise<SectionResult> {
    const mb = o.n['first-sync-mb'];
    const { ours, stored } = await serverWithDocs([mb]);
    try {
      const doc = stored[0]!;
      const first = await measuredFirstSync(ours, doc.docId);
      const rss = residentBytes(ours.pid);
      const markdown = [
        `### first-sync: a new device's first sync of a ${mb} MB document (ours; target: completes with no disconnect)`,
        '',
        markdownTable(
          [
            'doc',
            'time to synced',
            'closes',
            'lag p99 (ms)',
            'lag max (ms)',
            'rows arrived',
            'server RSS after (MiB)',
            'device RSS (MiB)',
          ],
          [
            [
              `${formatNumber(mib(doc.bytes))} MiB stored`,
              syncedText(first.sync),
              closesText(first.sync),
              formatNumber(first.lag.p99),
              formatNumber(first.lag.max),
              formatNumber(first.sync.rootEntries),
              formatNumber(mib(rss)),
              formatNumber(first.sync.rssMiB),
            ],
          ],
        ),
        '',
        "- the product's client (`@desk/client` SyncClient over /sync, in-memory store, child process); cold: the doc was not loaded since the server started.",
      ].join('\n');
      return {
        markdown,
        values: {
          mb,
          ms: first.sync.ms,
          synced: first.sync.synced ? 1 : 0,
          closes: first.sync.closes.length,
          lagP99: first.lag.p99,
          lagMax: first.lag.max,
        },
      };
    } finally {
      await ours.stop();
    }
  },
};
