import type { BenchClient, ClientOptions } from '../load/BenchClient.ts';
import type { MuxClient } from '../load/MuxClient.ts';
import type { ServerName } from '../options.ts';

export interface MemorySample {
  rss: number;
  heapUsed: number;
  external: number;
}

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
  open(docId: string, options: ClientOptions): BenchClient;
  /** CPU time the server process has used so far, in ms (see processCpu.ts). */
  cpuMs(): number;
  /** Memory of the server process after a full GC. */
  memory(): Promise<MemorySample>;
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
