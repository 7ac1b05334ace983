import type { Migration } from '../Migration.ts';
import { m0001Core } from './0001_core.ts';
import { m0002Identity } from './0002_identity.ts';
import { m0003Sync } from './0003_sync.ts';
import { m0004Auth } from './0004_auth.ts';
import { m0005Workspaces } from './0005_workspaces.ts';
import { m0006Snapshots } from './0006_snapshots.ts';
import { m0007Tickets } from './0007_tickets.ts';
import { m0008PendingSignups } from './0008_pendingSignups.ts';
import { m0009DocStates } from './0009_docStates.ts';
import { m0010SnapshotRestores } from './0010_snapshotRestores.ts';
import { m0011KnownDevices } from './0011_knownDevices.ts';
import { m0012BlobReservations } from './0012_blobReservations.ts';
import { m0013DocStateChunks } from './0013_docStateChunks.ts';
import { m0014TermsVersions } from './0014_termsVersions.ts';
import { m0015DocStateThrough } from './0015_docStateThrough.ts';
import { m0016TicketSearch } from './0016_ticketSearch.ts';
import { m0017TicketCounts } from './0017_ticketCounts.ts';
import { m0018WorkspaceExports } from './0018_workspaceExports.ts';
import { m0019Announcements } from './0019_announcements.ts';
import { m0020SupportGrants } from './0020_supportGrants.ts';
import { m0021WorkspaceDeletions } from './0021_workspaceDeletions.ts';
import { m0022TicketRows } from './0022_ticketRows.ts';
import { m0023WorkspaceDocBytes } from './0023_workspaceDocBytes.ts';
import { m0024Moderation } from './0024_moderation.ts';
import { m0025WorkspaceFileBytes } from './0025_workspaceFileBytes.ts';
import { m0026SearchSecureDeleteOff } from './0026_searchSecureDeleteOff.ts';
import { m0027ExportZips } from './0027_exportZips.ts';
import { m0028ClosedWorkspaces } from './0028_closedWorkspaces.ts';
import { m0029DocUpdateCounts } from './0029_docUpdateCounts.ts';
import { m0030ModerationVersions } from './0030_moderationVersions.ts';
import { m0031ClosedDocs } from './0031_closedDocs.ts';

/**
 * Every migration, in version order. Append only. Reserved numbers while the first
 * issues land in parallel: 3 sync, 4 auth, 5 workspaces, 6 snapshots.
 */
export const migrations: readonly Migration[] = [
  m0001Core,
  m0002Identity,
  m0003Sync,
  m0004Auth,
  m0005Workspaces,
  m0006Snapshots,
  m0007Tickets,
  m0008PendingSignups,
  m0009DocStates,
  m0010SnapshotRestores,
  m0011KnownDevices,
  m0012BlobReservations,
  m0013DocStateChunks,
  m0014TermsVersions,
  m0015DocStateThrough,
  m0016TicketSearch,
  m0017TicketCounts,
  m0018WorkspaceExports,
  m0019Announcements,
  m0020SupportGrants,
  m0021WorkspaceDeletions,
  m0022TicketRows,
  m0023WorkspaceDocBytes,
  m0024Moderation,
  m0025WorkspaceFileBytes,
  m0026SearchSecureDeleteOff,
  m0027ExportZips,
  m0028ClosedWorkspaces,
  m0029DocUpdateCounts,
  m0030ModerationVersions,
  m0031ClosedDocs,
];
