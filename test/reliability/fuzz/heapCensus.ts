import fs from 'node:fs';
import path from 'node:path';
import { until } from '@desk/protocol/testing';
import type { ServerProcess } from '../../support/serverProcess.ts';

/** Live objects of one constructor in a heap snapshot: how many, and their own bytes. */
export interface ClassCensus {
  count: number;
  selfBytes: number;
}

/** Objects by constructor name, after the full GC that taking a snapshot does first. */
export interface HeapCensus {
  /** Every node's own bytes (strings, code, arrays… too): the live heap. */
  totalBytes: number;
  classes: Map<string, ClassCensus>;
}

/**
 * The environment that lets `takeHeapCensus` ask a server process for heap snapshots:
 * SIGUSR2 writes one into `dir` (Node's --heapsnapshot-signal; a snapshot collects garbage
 * first, so what it holds is what something keeps alive).
 */
export function heapSnapshotEnv(dir: string): Record<string, string> {
  return { NODE_OPTIONS: `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${dir}` };
}

/**
 * Signals the server for a heap snapshot and counts its objects by constructor. The
 * snapshot is written on the server's main thread, so it is whole once the file parses.
 */
export async function takeHeapCensus(
  server: ServerProcess,
  dir: string,
  deadlineMs = 120_000,
): Promise<HeapCensus> {
  const before = new Set(snapshotFiles(dir));
  server.child.kill('SIGUSR2');
  let census: HeapCensus | null = null;
  let lastSize = -1;
  await until(
    () => {
      const file = snapshotFiles(dir).find((name) => !before.has(name));
      if (!file) return false;
      // Parse only once the file stopped growing (each try reads the whole file).
      const { size } = fs.statSync(path.join(dir, file));
      if (size === 0 || size !== lastSize) {
        lastSize = size;
        return false;
      }
      census = readCensus(path.join(dir, file));
      return census !== null;
    },
    'the server wrote its heap snapshot',
    deadlineMs,
  );
  return census!;
}

function snapshotFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter((name) => name.endsWith('.heapsnapshot'));
}

interface HeapSnapshotJson {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Null while the file is still being written (it does not parse yet). */
function readCensus(file: string): HeapCensus | null {
  let json: HeapSnapshotJson;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8')) as HeapSnapshotJson;
  } catch {
    return null;
  }
  const fields = json.snapshot.meta.node_fields;
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const objectType = json.snapshot.meta.node_types[0].indexOf('object');
  const census: HeapCensus = { totalBytes: 0, classes: new Map() };
  for (let i = 0; i < json.nodes.length; i += width) {
    census.totalBytes += json.nodes[i + sizeAt]!;
    if (json.nodes[i + typeAt] !== objectType) continue;
    const name = json.strings[json.nodes[i + nameAt]!]!;
    const entry = census.classes.get(name) ?? { count: 0, selfBytes: 0 };
    entry.count++;
    entry.selfBytes += json.nodes[i + sizeAt]!;
    census.classes.set(name, entry);
  }
  return census;
}

/** Constructors whose live count grew from `before` to `after`, most grown first. */
export function censusGrowth(
  before: HeapCensus,
  after: HeapCensus,
): { name: string; before: number; after: number; bytesGrown: number }[] {
  const rows = [];
  for (const [name, { count, selfBytes }] of after.classes) {
    const was = before.classes.get(name) ?? { count: 0, selfBytes: 0 };
    if (count > was.count)
      rows.push({ name, before: was.count, after: count, bytesGrown: selfBytes - was.selfBytes });
  }
  return rows.sort((a, b) => b.bytesGrown - a.bytesGrown);
}
