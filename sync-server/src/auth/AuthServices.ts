import type { AuditStore } from '../audit/AuditStore.ts';
import type { Config } from '../config/config.ts';
import type { AsyncTransactions } from '../db/Transactions.ts';
import type { RateLimiter } from '../http/rateLimit/index.ts';
import type { AccessTokenStore } from '../identity/AccessTokenStore.ts';
import type { SessionStore } from '../identity/SessionStore.ts';
import type { UserStore } from '../identity/UserStore.ts';
import type { JobLease } from '../lifecycle/JobLease.ts';
import type { ShutdownHooks } from '../lifecycle/ShutdownHooks.ts';
import type { Logger } from '../log/logger.ts';
import type { Mailer } from '../mail/Mailer.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';
import type { TermsStore } from '../terms/TermsStore.ts';
import type { WorkspaceStore } from '../workspaces/WorkspaceStore.ts';
import type { AccountDeletion } from './AccountDeletion.ts';
import type { KnownDevices } from './KnownDevices.ts';
import type { LoginThrottle } from './LoginThrottle.ts';
import type { PasswordResetStore } from './PasswordResets.ts';
import type { PendingSignupStore } from './PendingSignups.ts';
import type { SecurityReportStore } from './SecurityReports.ts';

/**
 * The stores the account routes read and write, on their async interfaces (issue 19:
 * PostgreSQL may answer); `Services.control` in the server.
 */
export interface AuthStores {
  readonly transactions: AsyncTransactions;
  readonly users: AsyncStore<UserStore>;
  readonly sessions: AsyncStore<SessionStore>;
  readonly tokens: AsyncStore<AccessTokenStore>;
  readonly pendingSignups: AsyncStore<PendingSignupStore>;
  readonly passwordResets: AsyncStore<PasswordResetStore>;
  readonly securityReports: AsyncStore<SecurityReportStore>;
  readonly terms: AsyncStore<TermsStore>;
  /** Terms acceptances are audited (issue 16: every action named there is in the audit log). */
  readonly audit: AsyncStore<AuditStore>;
  readonly workspaces: AsyncStore<WorkspaceStore>;
  readonly loginThrottle: AsyncStore<LoginThrottle>;
  readonly devices: AsyncStore<KnownDevices>;
}

/** What the account routes use; every member is built once in createServices. */
export interface AuthServices {
  readonly config: Config;
  readonly log: Logger;
  readonly shutdown: ShutdownHooks;
  /** The hourly sweep of old attempts runs under it (once per cluster). */
  readonly jobLease: JobLease;
  readonly now: () => number;
  readonly control: AuthStores;
  readonly mailer: Mailer;
  readonly limiter: RateLimiter;
  /** The sweep of old attempts (synchronous while the rate limits are). */
  readonly devices: Pick<KnownDevices, 'sweep'>;
  readonly accountDeletion: AccountDeletion;
}
