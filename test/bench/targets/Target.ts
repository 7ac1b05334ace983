import type { BenchClient, ClientOptions } from '../load/BenchClient.ts';
import type { MuxClient } from '../load/MuxClient.ts';
import type { ServerName } from '../options.ts';

export interface MemorySample {
  rss: number;
  heapUsed: number;
  external: number;
}

/** Event-loop delay inside a server process over one window, in ms (1 ms resolution). */
export interface LagSample {
  p50: number;
  p99: number;
  max: number;
}

export interface LagProbe {
  start(): Promise<void>;
  stop(): Promise<LagSample>;
}

/**
 * Which endpoint of ours a scenario prefers: the multiplexed `/sync` of our own clients, or
 * `/yjs/:docId`, where the stock y-websocket client speaks exactly as to the peers.
 * BENCH_OURS_WIRE, when set, overrides it. The peers have one wire.
 */
export type OursWire = 'sync' | 'yjs';

/** A server under test, started in its own process. */
export interface Target {
  readonly name: ServerName;
  start(): Promise<RunningTarget>;
}

export interface RunningTarget {
  readonly name: ServerName;
  /** The id of the n-th doc of a scenario; ours needs `<workspaceId>:ticket:<n>`. */
  docId(scope: string, n: number): string;
  /** Opens one socket syncing one doc in the server's own dialect. */
  open(docId: string, options: ClientOptions, wire?: OursWire): BenchClient;
  /** CPU time the server process has used so far, in ms (see processCpu.ts). */
  cpuMs(): number;
  /** Memory of the server process after a full GC. */
  memory(): Promise<MemorySample>;
  /** Event-loop delay inside the server process, window by window. */
  readonly lag: LagProbe;
  /** The server's process id (to read its RSS from /proc). */
  readonly pid: number | undefined;
  stop(): Promise<void>;
  /**
   * Only servers that keep data across restarts (ours): stop and start on the same data,
   * running `whileStopped` in between (to write straight into the store).
   */
  readonly restart?: (whileStopped?: () => void) => Promise<void>;
  /** Only ours: the data folder (the cold-load scenario reads the update log from it). */
  readonly dataDir?: string;
  /** Only ours: the multiplexed /sync socket. */
  readonly mux?: {
    readonly workspaceId: string;
    open(options: ClientOptions): MuxClient;
  };
}
