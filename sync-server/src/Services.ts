import type { ServerContext } from './ServerContext.ts';
import { AnnouncementSender } from './announcements/AnnouncementSender.ts';
import { SqliteAnnouncementStore } from './announcements/AnnouncementStore.ts';
import type { AnnouncementRouteStores } from './announcements/announcementRoutes.ts';
import { OptOutLinks } from './announcements/OptOutLinks.ts';
import type { AuthStores } from './auth/AuthServices.ts';
import { SqlitePasswordResetStore, type PasswordResetStore } from './auth/PasswordResets.ts';
import { SqlitePendingSignupStore, type PendingSignupStore } from './auth/PendingSignups.ts';
import { SqliteSecurityReportStore, type SecurityReportStore } from './auth/SecurityReports.ts';
import { SqliteAuditStore, type AuditStore } from './audit/AuditStore.ts';
import { SqliteKnownDevices, type KnownDevices } from './auth/KnownDevices.ts';
import { SqliteLoginThrottle, type LoginThrottle } from './auth/LoginThrottle.ts';
import { SqliteBillingEventStore } from './billing/BillingEventStore.ts';
import {
  SubscriptionChanges,
  type SubscriptionChangesStores,
} from './billing/SubscriptionChanges.ts';
import type { SubscriptionStore } from './billing/SubscriptionStore.ts';
import { TrialSweeper } from './billing/TrialSweeper.ts';
import { SqliteBlobCatalog, type BlobCatalog } from './blobs/BlobCatalog.ts';
import type { AsyncBlobQuota, BlobQuota } from './blobs/BlobQuota.ts';
import { SqliteBlobQuota } from './blobs/SqliteBlobQuota.ts';
import { StorageUse } from './blobs/StorageUse.ts';
import type { BlobRouteStores } from './blobs/blobRoutes.ts';
import type { DocStore } from './store/DocStore.ts';
import { SqliteDocStore } from './store/SqliteDocStore.ts';
import type { AsyncStore } from './store/sql/asyncStore.ts';
import { SqliteSqlDatabase } from './store/sql/SqliteSqlDatabase.ts';
import { sqliteSyncSeam } from './store/sql/SqliteSyncSeam.ts';
import { sqliteTransactions, type Transactions } from './db/Transactions.ts';
import { SqliteRateLimiter, type RateLimiter } from './http/rateLimit/index.ts';
import { SqliteAccessTokenStore, type AccessTokenStore } from './identity/AccessTokenStore.ts';
import { SqliteSessionStore, type SessionStore } from './identity/SessionStore.ts';
import { SqliteUserStore, type UserStore } from './identity/UserStore.ts';
import { createMailer } from './mail/createMailer.ts';
import type { MailboxRouteStores } from './mail/mailboxRoutes.ts';
import type { Mailer } from './mail/Mailer.ts';
import { SqliteMailOutbox } from './mail/MailOutbox.ts';
import type { DeletionStores } from './deletion/installDeletion.ts';
import { SqliteWorkspacePurgeStore } from './deletion/WorkspacePurgeStore.ts';
import { DisabledSets } from './moderation/DisabledSets.ts';
import { ModerationService, type ModerationStores } from './moderation/ModerationService.ts';
import { SqliteModerationStore } from './moderation/ModerationStore.ts';
import { ReportedItems } from './moderation/ReportedItems.ts';
import { SqliteCustomerDirectory } from './operator/CustomerDirectory.ts';
import type { OperatorRouteStores } from './operator/operatorRoutes.ts';
import { UserSuspension, type UserSuspensionStores } from './operator/UserSuspension.ts';
import type { UsageRouteStores } from './usage/usageRoutes.ts';
import { SqliteUsageStore } from './usage/UsageStore.ts';
import { SqliteExportStore } from './exports/ExportStore.ts';
import type { ExportModuleStores } from './exports/installExports.ts';
import { SqliteRestoreRecordStore } from './snapshots/RestoreRecordStore.ts';
import type { SnapshotStores } from './snapshots/SnapshotService.ts';
import { SqliteSnapshotStore } from './snapshots/SnapshotStore.ts';
import { SupportGrantExpiry } from './support/SupportGrantExpiry.ts';
import { SupportGrants, type SupportGrantsStores } from './support/SupportGrants.ts';
import type { SupportRouteStores } from './support/supportRoutes.ts';
import { SqliteSupportGrantStore } from './support/SupportGrantStore.ts';
import { TermsAnnouncer, type TermsAnnouncerStores } from './terms/TermsAnnouncer.ts';
import {
  TermsEffectiveDates,
  type TermsEffectiveDatesStores,
} from './terms/TermsEffectiveDates.ts';
import type { TermsRouteStores } from './terms/termsRoutes.ts';
import { SqliteTermsStore, type TermsStore } from './terms/TermsStore.ts';
import {
  SqliteTicketNumberCounter,
  type TicketNumberCounter,
} from './tickets/TicketNumberCounter.ts';
import type { TicketRouteStores } from './tickets/ticketNumberRoutes.ts';
import type { InvitationStore } from './workspaces/InvitationStore.ts';
import type { MembershipStore } from './workspaces/MembershipStore.ts';
import type { SeatLedger } from './workspaces/SeatLedger.ts';
import type { SeatLimit } from './workspaces/SeatLimit.ts';
import { notOnCluster } from './cluster/notOnCluster.ts';
import type { ClusterJobs } from './lifecycle/JobLease.ts';
import type { WorkspaceAccessStore } from './workspaces/WorkspaceAccessStore.ts';
import {
  SqliteWorkspaceDeletionStore,
  type WorkspaceDeletionStore,
} from './workspaces/WorkspaceDeletionStore.ts';
import type { WorkspaceRouteStores } from './workspaces/WorkspaceRouteDeps.ts';
import { sqliteWorkspaceStores } from './workspaces/workspaceStores.ts';
import type { WorkspaceStore } from './workspaces/WorkspaceStore.ts';

/**
 * The server's service graph: every store and service, built once by `createServices` (what
 * needs the sync engine, once it exists, by `createSyncServices`, SyncServices.ts) and
 * handed to the modules that need it. Each module declares the part it uses as its own
 * options interface (e.g. `AuthRouteDeps`), so its dependencies are explicit and this one
 * object satisfies them all (the option-object injection of tldraw's sync-core, the
 * `Configuration` object of Hocuspocus). Stores are interfaces with a SQLite class behind
 * them today; a PostgreSQL implementation replaces the class here and nowhere else.
 */
export interface Services extends ServerContext {
  /** The control plane on async interfaces: what PostgreSQL can serve (see `ControlPlane`). */
  readonly control: ControlPlane;
  /** One write transaction around calls to several stores. */
  readonly transactions: Transactions;
  readonly audit: AuditStore;
  /**
   * The documents' update logs and merged states; the sync engine's store (and only it
   * writes). One process only: a cluster's engine runs on the shared store (`engine.docs`),
   * and this field throws there (`NotOnClusterError`).
   */
  readonly docStore: DocStore;
  /** SMTP when `SMTP_URL` is set, else the outbox table. */
  readonly mailer: Mailer;
  readonly users: UserStore;
  readonly sessions: SessionStore;
  readonly tokens: AccessTokenStore;
  readonly pendingSignups: PendingSignupStore;
  readonly passwordResets: PasswordResetStore;
  readonly securityReports: SecurityReportStore;
  readonly terms: TermsStore;
  /** A member's role and read-only reason now, the plan's limits (routes, sync auth, blobs). */
  readonly workspaceAccess: WorkspaceAccessStore;
  readonly workspaces: WorkspaceStore;
  readonly memberships: MembershipStore;
  readonly invitations: InvitationStore;
  /** One row per workspace: plan, state, trial; every change audited (billing/). */
  readonly subscriptions: SubscriptionStore;
  /** Seats in use and the seat ledger, the billing basis (terms §1). */
  readonly seats: SeatLedger;
  /**
   * The seat limit checks of invitations and acceptances, on SQLite. A cluster checks seats
   * in PostgreSQL inside `control`'s stores; this field throws there (`NotOnClusterError`).
   */
  readonly seatLimit: SeatLimit;
  readonly blobCatalog: BlobCatalog;
  readonly blobQuota: BlobQuota;
  /** What each workspace's storage holds, kept per process for the sync write path. */
  readonly storageUse: StorageUse;
  /** Sliding-window limits of the account, workspace and invitation routes. */
  readonly limiter: RateLimiter;
  readonly loginThrottle: LoginThrottle;
  readonly devices: KnownDevices;
  readonly ticketNumbers: TicketNumberCounter;
  readonly subscriptionChanges: SubscriptionChanges;
  /** Records expired trials (started by installBilling; tests call `sweep()`). */
  readonly trialSweeper: TrialSweeper;
  readonly userSuspension: UserSuspension;
  /** Mails every user about a new terms version (tests wait on `idle()`). */
  readonly termsAnnouncer: TermsAnnouncer;
  /** Closes sockets of users bound by a version that came into force (tests `check()`). */
  readonly termsEffectiveDates: TermsEffectiveDates;
  /** Granting, revoking, expiring support access, with audit entries and socket closes. */
  readonly support: SupportGrants;
  /** Ends live operator access when a grant runs out (tests `check()` after their clock). */
  readonly supportExpiry: SupportGrantExpiry;
  /** Mails announcements in batches, resuming after a restart (tests wait on `idle()`). */
  readonly announcementSender: AnnouncementSender;
  /** Signs and checks the opt-out link of every announcement. */
  readonly optOutLinks: OptOutLinks;
  /** Reads a reported item from the stored documents (existence, the operator's view). */
  readonly reportedItems: ReportedItems;
  /** Reporting and disabling access: the rules, audit entries and the live signal. */
  readonly moderationService: ModerationService;
  /**
   * What is disabled per workspace (terms §4), read from `control.moderation` and kept per
   * process for the sync engine's synchronous checks and the routes that redact; every
   * process's decisions reach it (`moderationChanged` over the access bus). Reports, cases
   * and decisions themselves are `control.moderation`'s only: there is no flat twin.
   */
  readonly disabledSets: DisabledSets;
  /** Workspace deletions asked for and their schedule (the sync auth boundary reads it too). */
  readonly workspaceDeletions: WorkspaceDeletionStore;
}

/**
 * The control-plane stores on their async interfaces (issue 19), and one transaction around
 * several of them: what the converted modules declare they read (`AuthStores` …), together.
 * Callers that moved here await every call, so a store here may be PostgreSQL's (`Sql…` on
 * a `PgSqlDatabase`) as well as SQLite's: which one is chosen in createServices and nowhere
 * else. On SQLite they are the synchronous stores of the flat
 * fields above, wrapped (`sqliteSyncSeam`): one object each, two interfaces, while callers
 * still on the synchronous ones remain (SCALE-OUT.md, "Callers on the async interfaces").
 */
export interface ControlPlane
  extends
    AuthStores,
    WorkspaceRouteStores,
    TermsRouteStores,
    SupportRouteStores,
    TicketRouteStores,
    SupportGrantsStores,
    AnnouncementRouteStores,
    TermsAnnouncerStores,
    TermsEffectiveDatesStores,
    SubscriptionChangesStores,
    UserSuspensionStores,
    OperatorRouteStores,
    MailboxRouteStores,
    UsageRouteStores,
    ModerationStores,
    BlobRouteStores,
    DeletionStores,
    SnapshotStores,
    ExportModuleStores {
  readonly seats: AsyncStore<SeatLedger>;
  readonly blobQuota: AsyncBlobQuota;
}

/**
 * Every store and service, once. `cluster` (a PostgreSQL DATABASE_URL with REDIS_URL): the
 * control plane is PostgreSQL's (`pgControlPlane`) and the rate limits Redis's; what each
 * flat field is on a cluster is declared in `flatFieldsOnCluster` (clusterServices.ts), and
 * createServer warns of the per-process ones.
 */
export function createServices(
  ctx: ServerContext,
  cluster: {
    readonly control: ControlPlane;
    readonly limiter: RateLimiter;
    /** The documents every process shares (what the operator's cases look items up in). */
    readonly docs: Pick<DocStore, 'loadInSlices'>;
    /** Timers and background jobs that other processes run too. */
    readonly jobs: ClusterJobs;
  } | null = null,
): Services {
  const { db, now } = ctx;
  const users = new SqliteUserStore(db, now);
  const terms = new SqliteTermsStore(db, now);
  const audit = new SqliteAuditStore(db, now);
  // Workspaces, memberships, invitations, seats, subscriptions and access, wired together.
  const workspaceStores = sqliteWorkspaceStores(db, now, audit);
  const stores = {
    transactions: sqliteTransactions(db),
    audit,
    users,
    sessions: new SqliteSessionStore(db, now, ctx.access, users),
    tokens: new SqliteAccessTokenStore(db, now, ctx.access, users),
    pendingSignups: new SqlitePendingSignupStore(db, now),
    passwordResets: new SqlitePasswordResetStore(db, now),
    securityReports: new SqliteSecurityReportStore(db, now),
    ...workspaceStores,
    devices: new SqliteKnownDevices(db, now),
  };
  const docStore = new SqliteDocStore(db, now);
  const blobCatalog = new SqliteBlobCatalog(db);
  // Terms §4: reports, cases and the disabled set; items are read from the stored docs.
  const moderation = new SqliteModerationStore(db, now);
  const supportGrants = new SqliteSupportGrantStore(db, now);
  const loginThrottle = new SqliteLoginThrottle(db, now);
  const ticketNumbers = new SqliteTicketNumberCounter(db);
  const workspaceDeletions = new SqliteWorkspaceDeletionStore(db, now);
  const blobQuota = new SqliteBlobQuota(db, now);
  // The one place PostgreSQL's stores will be chosen (issue 19); SQLite's wrapped until then.
  const seam = sqliteSyncSeam(new SqliteSqlDatabase(db));
  const onSqlite: ControlPlane = {
    transactions: seam.transactions,
    users: seam.wrap(users),
    sessions: seam.wrap(stores.sessions),
    tokens: seam.wrap(stores.tokens),
    pendingSignups: seam.wrap(stores.pendingSignups),
    passwordResets: seam.wrap(stores.passwordResets),
    securityReports: seam.wrap(stores.securityReports),
    terms: seam.wrap(terms),
    audit: seam.wrap(audit),
    workspaceAccess: seam.wrap(workspaceStores.workspaceAccess),
    workspaces: seam.wrap(workspaceStores.workspaces),
    memberships: seam.wrap(workspaceStores.memberships),
    invitations: seam.wrap(workspaceStores.invitations),
    supportGrants: seam.wrap(supportGrants),
    ticketNumbers: seam.wrap(ticketNumbers),
    seats: seam.wrap(workspaceStores.seats),
    loginThrottle: seam.wrap(loginThrottle),
    devices: seam.wrap(stores.devices),
    workspaceDeletions: seam.wrap(workspaceDeletions),
    moderation: seam.wrap(moderation),
    blobQuota: seam.wrap(blobQuota),
    blobCatalog: seam.wrap(blobCatalog),
    snapshots: seam.wrap(new SqliteSnapshotStore(db)),
    restoreRecords: seam.wrap(new SqliteRestoreRecordStore(db)),
    exportJobs: seam.wrap(new SqliteExportStore(db)),
    workspacePurge: seam.wrap(new SqliteWorkspacePurgeStore(db)),
    subscriptions: seam.wrap(workspaceStores.subscriptions),
    billingEvents: seam.wrap(new SqliteBillingEventStore(db)),
    customers: seam.wrap(new SqliteCustomerDirectory(db, now, workspaceStores)),
    usage: seam.wrap(new SqliteUsageStore(db)),
    announcements: seam.wrap(new SqliteAnnouncementStore(db, now)),
    mailOutbox: seam.wrap(new SqliteMailOutbox(db, now)),
  };
  const control = cluster?.control ?? onSqlite;
  const reportedItems = new ReportedItems({
    docStore: cluster?.docs ?? docStore,
    blobCatalog: control.blobCatalog,
  });
  // After the control plane: the outbox is its (on PostgreSQL, the one every process reads).
  const mailer = createMailer({ ...ctx, outbox: control.mailOutbox });
  const identity = { ...stores, mailer };
  const subscriptionChanges = new SubscriptionChanges({ ...ctx, control });
  const optOutLinks = new OptOutLinks(
    () => control.announcements.signingKey(),
    ctx.config.PUBLIC_URL,
  );
  const support = new SupportGrants({ ...ctx, control });
  const jobs = { cluster: cluster?.jobs ?? null };
  const services: Services = {
    ...ctx,
    ...identity,
    // Unused on a cluster (its seats are checked in PostgreSQL, its documents are the
    // engine's shared store): refused there rather than answered from this process's SQLite.
    seatLimit: cluster ? notOnCluster<SeatLimit>('seatLimit') : workspaceStores.seatLimit,
    control,
    docStore: cluster ? notOnCluster<DocStore>('docStore') : docStore,
    support,
    supportExpiry: new SupportGrantExpiry({ ...ctx, ...jobs, control, support }),
    terms,
    blobCatalog,
    blobQuota,
    storageUse: new StorageUse(control.blobQuota, ctx.log),
    limiter: cluster?.limiter ?? new SqliteRateLimiter(db, now),
    loginThrottle,
    ticketNumbers,
    subscriptionChanges,
    trialSweeper: new TrialSweeper({ ...ctx, control, subscriptionChanges }),
    userSuspension: new UserSuspension({ ...ctx, control }),
    termsAnnouncer: new TermsAnnouncer({ ...ctx, ...jobs, control, mailer }),
    termsEffectiveDates: new TermsEffectiveDates({ ...ctx, ...jobs, control }),
    announcementSender: new AnnouncementSender({ ...ctx, ...jobs, control, mailer, optOutLinks }),
    optOutLinks,
    reportedItems,
    moderationService: new ModerationService({ ...ctx, control, reportedItems }),
    disabledSets: new DisabledSets(control.moderation, ctx.access),
    workspaceDeletions,
  };
  if (!cluster) return services;
  // A cluster's modules read `control`; these would answer from this process's SQLite file,
  // which holds none of the cluster's accounts or workspaces: refused, never silently read.
  const onCluster = { ...services };
  for (const field of SQLITE_ONLY_FIELDS) {
    (onCluster as Record<SqliteOnlyField, unknown>)[field] = notOnCluster(field);
  }
  return onCluster;
}

/**
 * The flat fields that are this process's SQLite stores, behind `control`'s fields of the
 * same name on one process: refused on a cluster (`flatFieldsOnCluster` says `refused`;
 * clusterServices.test.ts checks that every refused field throws).
 */
const SQLITE_ONLY_FIELDS = [
  'transactions',
  'audit',
  'users',
  'sessions',
  'tokens',
  'pendingSignups',
  'passwordResets',
  'securityReports',
  'terms',
  'workspaceAccess',
  'workspaces',
  'memberships',
  'invitations',
  'subscriptions',
  'seats',
  'blobCatalog',
  'blobQuota',
  'loginThrottle',
  'devices',
  'ticketNumbers',
  'workspaceDeletions',
] as const satisfies readonly (keyof Services)[];
type SqliteOnlyField = (typeof SQLITE_ONLY_FIELDS)[number];
