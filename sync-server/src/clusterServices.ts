import crypto from 'node:crypto';
import type { AccessEvents } from './access/AccessEvents.ts';
import { SqlAnnouncementStore } from './announcements/SqlAnnouncementStore.ts';
import { SqlAuditStore } from './audit/SqlAuditStore.ts';
import { SqlKnownDevices } from './auth/SqlKnownDevices.ts';
import { SqlLoginThrottle } from './auth/SqlLoginThrottle.ts';
import { SqlPasswordResetStore } from './auth/SqlPasswordResetStore.ts';
import { SqlPendingSignupStore } from './auth/SqlPendingSignupStore.ts';
import { SqlSecurityReportStore } from './auth/SqlSecurityReportStore.ts';
import { SqlBillingEventStore } from './billing/SqlBillingEventStore.ts';
import { SqlSubscriptionStore } from './billing/SqlSubscriptionStore.ts';
import { SqlSubscriptionViews } from './billing/SqlSubscriptionViews.ts';
import { RedisFanOut } from './cluster/RedisFanOut.ts';
import { RedisJobLease } from './cluster/RedisJobLease.ts';
import { RedisLeases } from './cluster/RedisLeases.ts';
import { RedisRateLimiter } from './cluster/RedisRateLimiter.ts';
import { RedisRateShares } from './cluster/RedisRateShares.ts';
import { RedisUpdateBus } from './cluster/RedisUpdateBus.ts';
import type { Config } from './config/config.ts';
import type { RateLimiter } from './http/rateLimit/index.ts';
import { SqlAccessTokenStore } from './identity/SqlAccessTokenStore.ts';
import { SqlSessionStore } from './identity/SqlSessionStore.ts';
import { SqlUserStore } from './identity/SqlUserStore.ts';
import { SqlWorkspacePurgeStore } from './deletion/SqlWorkspacePurgeStore.ts';
import { SqlBlobCatalog } from './blobs/SqlBlobCatalog.ts';
import { SqlBlobQuota } from './blobs/SqlBlobQuota.ts';
import { SqlExportStore } from './exports/SqlExportStore.ts';
import type { Logger } from './log/logger.ts';
import { SqlMailOutbox } from './mail/SqlMailOutbox.ts';
import { SqlModerationStore } from './moderation/SqlModerationStore.ts';
import { SqlCustomerDirectory } from './operator/SqlCustomerDirectory.ts';
import type { ServerContext } from './ServerContext.ts';
import type { ControlPlane, Services } from './Services.ts';
import { SqlRestoreRecordStore } from './snapshots/SqlRestoreRecordStore.ts';
import { SqlSnapshotStore } from './snapshots/SqlSnapshotStore.ts';
import { PgDocStore } from './store/postgres/PgDocStore.ts';
import { PgPool } from './store/postgres/PgPool.ts';
import { migratePg } from './store/postgres/pgMigrations.ts';
import { latestPgSchemaVersion, pgSchemaVersion } from './store/postgres/pgReadiness.ts';
import { PgSqlDatabase } from './store/sql/PgSqlDatabase.ts';
import { clusterDocStore, type SyncDocStore } from './sync/SyncDocStore.ts';
import { SqlSupportGrantStore } from './support/SqlSupportGrantStore.ts';
import { SqlTermsStore } from './terms/SqlTermsStore.ts';
import { SqlTicketNumberCounter } from './tickets/SqlTicketNumberCounter.ts';
import { SqlUsageStore } from './usage/SqlUsageStore.ts';
import { AsyncSeatLimit } from './workspaces/AsyncSeatLimit.ts';
import { SqlInvitationStore } from './workspaces/SqlInvitationStore.ts';
import { SqlMembershipStore } from './workspaces/SqlMembershipStore.ts';
import { SqlSeatLedger } from './workspaces/SqlSeatLedger.ts';
import { SqlWorkspaceAccessStore } from './workspaces/SqlWorkspaceAccessStore.ts';
import { SqlWorkspaceDeletionStore } from './workspaces/SqlWorkspaceDeletionStore.ts';
import { SqlWorkspaceStore } from './workspaces/SqlWorkspaceStore.ts';

/**
 * The control plane of a cluster process (issue 19): every store of `ControlPlane` as its
 * `Sql…` class on one `PgSqlDatabase`, so all processes read and write one PostgreSQL
 * database. `transactions.write` is `PgSqlDatabase.transaction`: ambient — each store's
 * statement inside it joins it — and re-run whole on a deadlock or serialization failure,
 * so a `write`'s work holds database calls only. The SQLite side is `sqliteSyncSeam` in
 * createServices; the choice between them is made there and nowhere else.
 */
export function pgControlPlane(
  sql: PgSqlDatabase,
  ctx: { readonly now: () => number; readonly access: AccessEvents },
): ControlPlane {
  const { now, access } = ctx;
  const users = new SqlUserStore(sql, now);
  const seats = new SqlSeatLedger(sql, now);
  const memberships = new SqlMembershipStore(sql, now, seats);
  const subscriptionViews = new SqlSubscriptionViews(sql, now);
  const seatLimit = new AsyncSeatLimit(sql, subscriptionViews, seats);
  const workspaceAccess = new SqlWorkspaceAccessStore(sql, now);
  const audit = new SqlAuditStore(sql, now);
  const subscriptions = new SqlSubscriptionStore(sql, now, audit);
  return {
    transactions: { write: (work) => sql.transaction(work) },
    users,
    sessions: new SqlSessionStore(sql, now, access, users),
    tokens: new SqlAccessTokenStore(sql, now, access, users),
    pendingSignups: new SqlPendingSignupStore(sql, now),
    passwordResets: new SqlPasswordResetStore(sql, now),
    securityReports: new SqlSecurityReportStore(sql, now),
    terms: new SqlTermsStore(sql, now),
    audit,
    workspaceAccess,
    workspaces: new SqlWorkspaceStore(sql, now, {
      workspaceAccess,
      subscriptions: subscriptionViews,
      memberships,
      seats,
      seatLimit,
    }),
    memberships,
    invitations: new SqlInvitationStore(sql, now, { memberships, seatLimit }),
    supportGrants: new SqlSupportGrantStore(sql, now),
    ticketNumbers: new SqlTicketNumberCounter(sql),
    seats,
    loginThrottle: new SqlLoginThrottle(sql, now),
    devices: new SqlKnownDevices(sql, now),
    workspaceDeletions: new SqlWorkspaceDeletionStore(sql, now),
    subscriptions,
    billingEvents: new SqlBillingEventStore(sql),
    customers: new SqlCustomerDirectory(sql, now, { subscriptions, seats }),
    usage: new SqlUsageStore(sql),
    announcements: new SqlAnnouncementStore(sql, now),
    mailOutbox: new SqlMailOutbox(sql, now),
    moderation: new SqlModerationStore(sql, now),
    snapshots: new SqlSnapshotStore(sql),
    restoreRecords: new SqlRestoreRecordStore(sql),
    exportJobs: new SqlExportStore(sql),
    blobQuota: new SqlBlobQuota(sql, now),
    blobCatalog: new SqlBlobCatalog(sql),
    workspacePurge: new SqlWorkspacePurgeStore(sql),
  };
}

/** A flat field of `Services`: every one but the context's and `control`. */
export type FlatField = Exclude<keyof Services, keyof ServerContext | 'control'>;

/**
 * What a flat field of `Services` reads and writes on a cluster process:
 * - `cluster-wide`: built on `control` (PostgreSQL) or Redis, or holding nothing of its own;
 *   its timers run under the cluster's job lease, its events travel on the access bus;
 * - `refused`: nothing uses it on a cluster, and it throws there (`NotOnClusterError`) rather
 *   than answer from the process's SQLite file — among them the synchronous SQLite stores
 *   behind `control`'s fields of the same name on one process (`twin`: on a cluster the
 *   modules read `control`'s);
 * - `per process`: state of this process a cluster does not share, on purpose or not yet —
 *   what createServer's start-up warning lists.
 */
export type ClusterReach = 'cluster-wide' | 'refused' | 'per process';

export interface FlatFieldOnCluster {
  readonly reach: ClusterReach;
  /** Why, for the start-up warning and the reader (per process: what is not shared). */
  readonly why: string;
}

/** A SQLite store whose place on a cluster is `control`'s field of the same name. */
const twin = (
  why = "this process's SQLite store; on a cluster the modules read control's",
): FlatFieldOnCluster => ({
  reach: 'refused',
  why,
});

/**
 * Every flat field of `Services` and what it is on a cluster (issue 19), declared: a new
 * field does not compile until it is placed here. The audit behind each entry is in
 * SCALE-OUT.md ("createServer in cluster mode").
 */
export const flatFieldsOnCluster = {
  transactions: twin('SQLite transactions; a cluster writes through control.transactions'),
  audit: twin(),
  users: twin(),
  sessions: twin(),
  tokens: twin(),
  pendingSignups: twin(),
  passwordResets: twin(),
  securityReports: twin(),
  terms: twin(),
  workspaceAccess: twin(),
  workspaces: twin(),
  memberships: twin(),
  invitations: twin(),
  subscriptions: twin(),
  seats: twin(),
  blobCatalog: twin(),
  blobQuota: twin(),
  loginThrottle: twin(),
  devices: twin('the hourly sweep and the login routes use control.devices'),
  ticketNumbers: twin(),
  workspaceDeletions: twin(),
  docStore: {
    reach: 'refused',
    why: 'the engine runs on the shared store (engine.docs); the process SQLite holds no documents',
  },
  seatLimit: {
    reach: 'refused',
    why: "control.invitations and control.workspaces check seats with PostgreSQL's AsyncSeatLimit",
  },
  limiter: { reach: 'cluster-wide', why: 'RedisRateLimiter' },
  mailer: {
    reach: 'cluster-wide',
    why: 'each process sends the mail of its own requests and jobs (SMTP), or keeps it in control.mailOutbox',
  },
  support: { reach: 'cluster-wide', why: 'control; its access events travel on the access bus' },
  supportExpiry: {
    reach: 'cluster-wide',
    why: 'grants in control; expired under the job lease (once: the expiry is noticed by one transaction); every process re-reads the next expiry every clusterPollMs',
  },
  subscriptionChanges: {
    reach: 'cluster-wide',
    why: 'control (the row locked); workspaceStateChanged travels on the access bus',
  },
  trialSweeper: {
    reach: 'cluster-wide',
    why: 'control, under the job lease trial-sweep; a transition already made is not made again',
  },
  termsAnnouncer: {
    reach: 'cluster-wide',
    why: 'cursor in control, under the job lease; a kick held elsewhere asks again, and every process resumes left work every clusterPollMs',
  },
  termsEffectiveDates: {
    reach: 'cluster-wide',
    why: 'every process watches control.terms (re-read every clusterPollMs) and emits termsRequired, which the access bus relays; a repeat changes nothing',
  },
  announcementSender: {
    reach: 'cluster-wide',
    why: 'deliveries claimed in control, under the job lease; a kick held elsewhere asks again, and every process resumes left work every clusterPollMs',
  },
  optOutLinks: {
    reach: 'cluster-wide',
    why: "the signing key is control's, one row for the cluster, kept once read (it never changes)",
  },
  storageUse: {
    reach: 'per process',
    why: "each process's running count of a workspace's storage for the write path, read from control.blobQuota at every authorization and again within a second (every batch near the quota)",
  },
  userSuspension: {
    reach: 'cluster-wide',
    why: "control.users; every process's session, token and upgrade checks read the status, and userSuspended travels on the access bus",
  },
  reportedItems: {
    reach: 'cluster-wide',
    why: "the cluster's shared document store and control.blobCatalog",
  },
  moderationService: {
    reach: 'cluster-wide',
    why: 'writes through control; moderationChanged travels on the access bus',
  },
  disabledSets: {
    reach: 'per process',
    why: "each process's copy of the disabled sets for the write path, replaced by moderationChanged from the access bus and read again after the bus was cut",
  },
} as const satisfies Record<FlatField, FlatFieldOnCluster>;

/** The flat fields a cluster process keeps for itself, and why: createServer's warning. */
export function perProcessOnCluster(): Partial<Record<FlatField, string>> {
  const perProcess: Partial<Record<FlatField, string>> = {};
  for (const [field, { reach, why }] of Object.entries(flatFieldsOnCluster)) {
    if (reach === 'per process') perProcess[field as FlatField] = why;
  }
  return perProcess;
}

/**
 * What a cluster process (PostgreSQL `DATABASE_URL` and `REDIS_URL`) runs on besides its
 * process-local SQLite: the shared database, the engine's shared store and Redis fan-out,
 * the leases (scheduled jobs, compactions) and the REST rate limits in Redis. Opened once
 * by createServer before anything else is built; `close` ends them after the stores phase.
 */
export interface ClusterParts {
  readonly processId: string;
  /** The key prefix of everything this cluster keeps in Redis. */
  readonly prefix: string;
  readonly pool: PgPool;
  readonly sql: PgSqlDatabase;
  /** The documents on PostgreSQL as the sync engine uses them. */
  readonly docs: SyncDocStore;
  readonly fanOut: RedisFanOut;
  /** Scheduled jobs (`job:<name>`) and compactions (`job:compact:<docId>`), once per cluster. */
  readonly jobLease: RedisJobLease;
  readonly limiter: RateLimiter & { close(): Promise<void> };
  /** This process's shares of each workspace's update rate and member's messages. */
  readonly rateShares: RedisRateShares;
  /** `/readyz`: the PostgreSQL schema version (rejects while PostgreSQL is away)… */
  schemaVersion(): Promise<number>;
  /** …and the one this build expects. */
  readonly expectedSchemaVersion: number;
  close(): Promise<void>;
}

/** Opens the cluster's parts (migrating PostgreSQL once, under its advisory lock). */
export async function openCluster(
  config: Config & { readonly postgresUrl: string; readonly REDIS_URL: string },
  log: Logger,
  now: () => number,
): Promise<ClusterParts> {
  const processId = crypto.randomUUID();
  const prefix = config.REDIS_PREFIX;
  const pool = new PgPool({ url: config.postgresUrl, applicationName: `desk-${processId}` });
  const applied = await migratePg(pool);
  if (applied.length) log.info({ applied }, 'postgres migrations applied');
  const store = new PgDocStore(pool, now);
  const bus = new RedisUpdateBus({ url: config.REDIS_URL, prefix, processId });
  const fanOut = new RedisFanOut({ bus, store, log: log.child({ module: 'fan-out' }) });
  const leases = new RedisLeases({ url: config.REDIS_URL, prefix, holderId: processId });
  const limiter = new RedisRateLimiter({ url: config.REDIS_URL, prefix, now });
  const rateShares = new RedisRateShares({ url: config.REDIS_URL, prefix, processId, now });
  rateShares.start();
  return {
    processId,
    prefix,
    pool,
    sql: new PgSqlDatabase(pool),
    docs: await clusterDocStore(store),
    fanOut,
    jobLease: new RedisJobLease(leases),
    limiter,
    rateShares,
    schemaVersion: () => pgSchemaVersion(pool),
    expectedSchemaVersion: latestPgSchemaVersion,
    async close() {
      await leases.close();
      await fanOut.close();
      await limiter.close();
      await rateShares.close();
      await pool.end();
    },
  };
}
