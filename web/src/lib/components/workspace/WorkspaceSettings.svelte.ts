import { ApiAborted, ApiError } from '$lib/api/api.ts';
import type {
  AuditEntry,
  WorkspaceInvitation as Invitation,
  SeatLedgerEntry,
  WorkspacePayload,
} from '@desk/protocol';
import { workspaceApi } from '$lib/api/workspaceApi.ts';

/**
 * The state behind the workspace settings page: the workspace with its members, for owners
 * and admins the invitations and the seat ledger, and for owners the workspace's audit log.
 * Every change reloads what it affects from the server, so counts (seats used, open
 * invitations) are never guessed. `load` never rejects: a failure is shown in words
 * (`error`, `auditError`), and a load the page abandoned (`destroy`) is dropped.
 */
export class WorkspaceSettings {
  payload = $state<WorkspacePayload | null>(null);
  invitations = $state<Invitation[]>([]);
  ledger = $state<SeatLedgerEntry[]>([]);
  /** Set when the page cannot be shown at all (not a member, not logged in). */
  error = $state<string | null>(null);
  needsLogin = $state(false);
  /** What the operator and billing did to the workspace (owners only), once loaded. */
  audit = $state<AuditEntry[] | null>(null);
  /** Why the audit log could not be loaded; the rest of the page still works. */
  auditError = $state<string | null>(null);
  readonly #left = new AbortController();

  constructor(readonly slug: string) {}

  /** The page was left: requests still on their way are abandoned and their answers dropped. */
  destroy(): void {
    this.#left.abort();
  }

  get canManage(): boolean {
    const role = this.payload?.workspace.role;
    return role === 'owner' || role === 'admin';
  }

  get isOwner(): boolean {
    return this.payload?.workspace.role === 'owner';
  }

  async load(): Promise<void> {
    const read = { signal: this.#left.signal };
    try {
      this.payload = await workspaceApi.get(this.slug, read);
      this.error = null;
      if (this.canManage) {
        const [invitations, seats] = await Promise.all([
          workspaceApi.invitations(this.slug, read),
          workspaceApi.seats(this.slug, read),
        ]);
        this.invitations = invitations.invitations;
        this.ledger = seats.history;
      }
    } catch (err) {
      if (err instanceof ApiAborted) return;
      if (err instanceof ApiError) {
        this.error = err.message;
        this.needsLogin = err.status === 401;
      } else {
        this.error = 'The workspace settings could not be loaded.';
      }
      return;
    }
    if (this.isOwner) await this.#loadAudit(read);
  }

  async #loadAudit(read: { signal: AbortSignal }): Promise<void> {
    try {
      this.audit = (await workspaceApi.audit(this.slug, read)).entries;
      this.auditError = null;
    } catch (err) {
      if (err instanceof ApiAborted) return;
      this.auditError = `The audit log could not be loaded. ${
        err instanceof ApiError ? err.message : 'Reload the page to try again.'
      }`;
    }
  }
}
