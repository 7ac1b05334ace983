import { ApiError } from '$lib/api/api.ts';
import type {
  WorkspaceInvitation as Invitation,
  SeatLedgerEntry,
  WorkspacePayload,
} from '@desk/protocol';
import { workspaceApi } from '$lib/api/workspaceApi.ts';

/**
 * The state behind the workspace settings page: the workspace with its members, and for
 * owners and admins the invitations and the seat ledger. Every change reloads what it
 * affects from the server, so counts (seats used, open invitations) are never guessed.
 */
export class WorkspaceSettings {
  payload = $state<WorkspacePayload | null>(null);
  invitations = $state<Invitation[]>([]);
  ledger = $state<SeatLedgerEntry[]>([]);
  /** Set when the page cannot be shown at all (not a member, not logged in). */
  error = $state<string | null>(null);
  needsLogin = $state(false);

  constructor(readonly slug: string) {}

  get canManage(): boolean {
    const role = this.payload?.workspace.role;
    return role === 'owner' || role === 'admin';
  }

  get isOwner(): boolean {
    return this.payload?.workspace.role === 'owner';
  }

  async load(): Promise<void> {
    try {
      this.payload = await workspaceApi.get(this.slug);
      this.error = null;
      if (this.canManage) {
        const [invitations, seats] = await Promise.all([
          workspaceApi.invitations(this.slug),
          workspaceApi.seats(this.slug),
        ]);
        this.invitations = invitations.invitations;
        this.ledger = seats.history;
      }
    } catch (err) {
      if (err instanceof ApiError) {
        this.error = err.message;
        this.needsLogin = err.status === 401;
      } else {
        this.error = 'The workspace settings could not be loaded.';
      }
    }
  }
}
