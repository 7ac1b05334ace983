import type { CloseCode, DisabledItemEntry, DocAccess, DocErrorCode } from '@desk/protocol';
import type { UpdateRate } from '../billing/plans.ts';
import type { RedactionPlan } from './redactDoc.ts';

/** Who is on the other end of a socket, as established at the upgrade. */
export interface Principal {
  readonly userId: string;
  /** The browser session behind the socket (cookie), or null for a token. */
  readonly sessionId: string | null;
  /** The personal access token behind the socket, or null for a login session. */
  readonly tokenId: string | null;
}

/** What the upgrade request carried. */
export interface UpgradeCredentials {
  readonly cookieHeader: string | undefined;
  readonly origin: string | undefined;
  /** `?token=` of the upgrade URL (tools, bots, benchmarks). */
  readonly token: string | undefined;
}

export type Authentication =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly closeCode: CloseCode; readonly message: string };

export type Authorization =
  | {
      readonly ok: true;
      readonly access: DocAccess;
      /** Why writes are refused when `access` is read. */
      readonly readOnlyCode: DocErrorCode | null;
      /** Largest stored size of one document of the workspace (its plan), or null. */
      readonly maxDocBytes?: number | null;
      /** Ticket documents the workspace may hold (its plan), or null. */
      readonly maxTickets?: number | null;
      /** Updates per connection and per workspace (its plan), or null for no limit. */
      readonly updateRate?: UpdateRate | null;
      /** New chat messages per member per minute (its plan), or null for no limit. */
      readonly messagesPerMinute?: number | null;
      /** The workspace's storage (documents plus attachments, its plan), or null for none. */
      readonly storage?: StorageLimit | null;
      /**
       * Called as each document of the workspace goes live on this socket: an operator's
       * reads under a support grant are audited per document (terms §3).
       */
      readonly onOpened?: (docId: string) => void;
      /**
       * Terms §4: the operator's reason when access to this document is disabled, else null.
       * Asked at every subscribe (live subscribers are ended by `moderationChanged`).
       */
      readonly disabledDoc?: (docId: string) => string | null;
      /** Terms §4: the workspace's disabled items now (sent once per connection and workspace). */
      readonly disabledItems?: () => readonly DisabledItemEntry[];
      /**
       * Terms §4: the disabled entries of a document of the workspace (comments, messages, a
       * disabled ticket's index row, mentions of them) as a redaction plan, null for none.
       * Asked at every answer to a sync step 1, every write and every broadcast of the doc.
       */
      readonly redactionPlan?: (docId: string) => RedactionPlan | null;
    }
  | { readonly ok: false; readonly code: DocErrorCode; readonly message: string };

/**
 * A workspace's storage quota and what it holds now (SPEC.md, LIMIT-12): documents, attachments
 * and uploads in flight, in bytes. `used` is read on the write path, once per workspace per
 * batch that adds content, so it must be a lookup (no I/O: production keeps it per process,
 * blobs/StorageUse.ts).
 */
export interface StorageLimit {
  readonly quotaBytes: number;
  used(): number;
  /**
   * Told once a batch's updates of the workspace are stored (committed), with their bytes:
   * lets a kept `used` count them before it is read again from the store.
   */
  stored?(bytes: number): void;
}

/**
 * The auth boundary of the sync engine: the only thing it knows about accounts. Production
 * (`DeskSyncAuth`) sits on sessions, tokens and memberships; tests inject their own.
 */
export interface SyncAuth {
  authenticate(credentials: UpgradeCredentials): Promise<Authentication>;
  /** May this principal sync documents of this workspace, and write to them? */
  authorize(principal: Principal, workspaceId: string): Promise<Authorization>;
}
