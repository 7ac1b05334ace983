import type { AuditStore } from '../audit/AuditStore.ts';
import type { Config } from '../config/config.ts';
import type { Transactions } from '../db/Transactions.ts';
import type { RateLimiter } from '../http/rateLimit/index.ts';
import type { AccessTokenStore } from '../identity/AccessTokenStore.ts';
import type { SessionStore } from '../identity/SessionStore.ts';
import type { UserStore } from '../identity/UserStore.ts';
import type { JobLease } from '../lifecycle/JobLease.ts';
import type { ShutdownHooks } from '../lifecycle/ShutdownHooks.ts';
import type { Logger } from '../log/logger.ts';
import type { Mailer } from '../mail/Mailer.ts';
import type { TermsStore } from '../terms/TermsStore.ts';
import type { WorkspaceStore } from '../workspaces/WorkspaceStore.ts';
import type { AccountDeletion } from './AccountDeletion.ts';
import type { KnownDevices } from './KnownDevices.ts';
import type { LoginThrottle } from './LoginThrottle.ts';
import type { PasswordResetStore } from './PasswordResets.ts';
import type { PendingSignupStore } from './PendingSignups.ts';
import type { SecurityReportStore } from './SecurityReports.ts';

/** What the account routes use; every member is built once in createServices. */
export interface AuthServices {
  readonly config: Config;
  readonly log: Logger;
  readonly shutdown: ShutdownHooks;
  /** The hourly sweep of old attempts runs under it (once per cluster). */
  readonly jobLease: JobLease;
  readonly now: () => number;
  readonly transactions: Transactions;
  readonly mailer: Mailer;
  readonly users: UserStore;
  readonly sessions: SessionStore;
  readonly tokens: AccessTokenStore;
  readonly pendingSignups: PendingSignupStore;
  readonly passwordResets: PasswordResetStore;
  readonly securityReports: SecurityReportStore;
  readonly terms: TermsStore;
  /** Terms acceptances are audited (issue 16: every action named there is in the audit log). */
  readonly audit: AuditStore;
  readonly workspaces: WorkspaceStore;
  readonly limiter: RateLimiter;
  readonly loginThrottle: LoginThrottle;
  readonly devices: KnownDevices;
  readonly accountDeletion: AccountDeletion;
}
