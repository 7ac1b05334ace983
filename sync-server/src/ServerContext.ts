import type { AccessEvents } from './access/AccessEvents.ts';
import type { Config } from './config/config.ts';
import type { SqliteDatabase } from './db/Database.ts';
import type { JobLease } from './lifecycle/JobLease.ts';
import type { ShutdownHooks } from './lifecycle/ShutdownHooks.ts';
import type { HeavyYjs } from './offthread/HeavyYjs.ts';
import type { Logger } from './log/logger.ts';

/** What every module of the server is given at start-up (see `createServer`). */
export interface ServerContext {
  readonly config: Config;
  readonly db: SqliteDatabase;
  readonly log: Logger;
  readonly shutdown: ShutdownHooks;
  /** Access changes that live connections must honour at once. */
  readonly access: AccessEvents;
  /**
   * The right to run a scheduled job (snapshots, sweeps, backups, announcements) now: one
   * process holds `InProcessJobLease`, so a job never runs twice at once; a cluster gives
   * every process a `RedisJobLease`, so each job runs once across them (issue 19).
   */
  readonly jobLease: JobLease;
  /**
   * Yjs work whose cost grows with a document's size (merging, compacting, diffing a 6 MiB
   * index doc), run on one worker thread so it never stalls every socket of the process.
   */
  readonly offThread: HeavyYjs;
  /** Milliseconds since the epoch; injected so tests can move time. */
  readonly now: () => number;
}
