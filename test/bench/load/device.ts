import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { trackChild } from '../targets/childRegistry.ts';

/** How long a new device waits for its first sync before the bench reports it as not synced. */
export const DEVICE_TIMEOUT_MS = 120_000;

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');

export interface FirstSync {
  /** Whether the doc synced within the timeout. */
  synced: boolean;
  /** From creating the client to the doc synced (or to giving up), in ms. */
  ms: number;
  /** Every socket close the client saw before it was synced (none is the target). */
  closes: { code: unknown; reason: unknown }[];
  /** The client's diagnostic log events (`event {details}`), at most 20. */
  events: string[];
  /** Entries of the doc's root map as synced (a check that all of it arrived). */
  rootEntries: number;
  /** The device process's RSS once synced. */
  rssMiB: number;
}

/**
 * A new device's first sync of `docId` through our `/sync` with the product's client, in a
 * child process (`firstSyncDevice.ts`) so that decoding a large doc never blocks this
 * process's event loop, which measures latencies meanwhile.
 */
export function firstSyncOnNewDevice(
  syncUrl: string,
  docId: string,
  options: { root?: string; timeoutMs?: number } = {},
): Promise<FirstSync> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(here, 'firstSyncDevice.ts'),
      '--url',
      syncUrl,
      '--doc',
      docId,
      '--root',
      options.root ?? 'tickets',
      '--timeout-ms',
      String(options.timeoutMs ?? DEVICE_TIMEOUT_MS),
    ],
    { cwd: repoRoot, env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  trackChild(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) {
        reject(new Error(`the new device failed (exit ${code}): ${stderr.trim().split('\n')[0]}`));
        return;
      }
      try {
        resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '') as FirstSync);
      } catch {
        reject(new Error(`the new device printed no result: ${stdout.slice(0, 200)}`));
      }
    });
  });
}

/** Time to synced, or that it did not sync in time. */
export function syncedText(sync: FirstSync): string {
  const seconds = (sync.ms / 1000).toFixed(1);
  return sync.synced ? `${seconds} s` : `NOT synced within ${seconds} s`;
}

/** Close codes with their reasons (`4400 malformed frame`), or "none". */
export function closesText(sync: FirstSync): string {
  return sync.closes.length
    ? sync.closes.map((c) => `${String(c.code)} ${String(c.reason ?? '')}`.trim()).join(', ')
    : 'none';
}

/** A note line with the client's diagnostics, when it logged any (who closed, and why). */
export function deviceEventsNote(label: string, sync: FirstSync): string[] {
  return sync.events.length ? [`- ${label}: the client logged ${sync.events.join('; ')}`] : [];
}
