import type { DocAccess, DocErrorCode, MessageType } from './constants.ts';

/** One document's y-protocols message (sync step 1/2, update, awareness), both directions. */
export interface DocMessage {
  type: typeof MessageType.doc;
  docId: string;
  /** The standard y-protocols message bytes: varUint y-type, then its payload. */
  payload: Uint8Array;
}

// ── client → server ─────────────────────────────────────────────────────────────────────

export interface HelloMessage {
  type: typeof MessageType.hello;
  protocolVersion: number;
}

/** Start syncing a document. The client sends its sync step 1 right after. */
export interface SubscribeMessage {
  type: typeof MessageType.subscribe;
  docId: string;
  /**
   * Since protocol 5: when the client's replica of the workspace last caught up — the
   * `serverTime` of the last `catchUpResult` after which every changed doc was synced (the
   * server's clock, epoch ms). Absent when the client has none (a first visit, a replica
   * stamped by an older client): then its age is not checked.
   */
  replicaSyncedAt?: number;
}

export interface UnsubscribeMessage {
  type: typeof MessageType.unsubscribe;
  docId: string;
}

/**
 * "Which documents of this workspace changed since sequence `sinceSeq`?" `generation` is the
 * store generation the client saw with that sequence ('' if none).
 */
export interface CatchUpMessage {
  type: typeof MessageType.catchUp;
  workspaceId: string;
  sinceSeq: number;
  generation: string;
}

/**
 * Heartbeat (since version 2): the browser cannot see WebSocket pings, so the client asks
 * through the protocol whether the path to the server still carries frames. The server
 * answers at once with a `pong` carrying the same `nonce`.
 */
export interface PingMessage {
  type: typeof MessageType.ping;
  nonce: number;
}

export type ClientMessage =
  DocMessage | HelloMessage | SubscribeMessage | UnsubscribeMessage | CatchUpMessage | PingMessage;

// ── server → client ─────────────────────────────────────────────────────────────────────

export interface WelcomeMessage {
  type: typeof MessageType.welcome;
  protocolVersion: number;
  /** Changes whenever the server's database is restored from a backup. */
  generation: string;
  userId: string;
}

/**
 * The plan's limits that apply to a document's writes (SPEC.md, LIMIT), so the client can
 * refuse first with the reason in words; null where there is none.
 */
export interface DocLimits {
  /** Largest stored size of the document, in bytes (`doc_too_large`). */
  maxDocBytes: number | null;
  /** Ticket documents the workspace may hold (`ticket_limit`). */
  maxTickets: number | null;
  /** New chat messages per member per minute (`rate_limited`, LIMIT-10). */
  messagesPerMinute: number | null;
}

/** The subscription is authorized; the server's sync step 1 follows. */
export interface SubscribedMessage {
  type: typeof MessageType.subscribed;
  docId: string;
  access: DocAccess;
  /** Since protocol 3: the write limits, after `access` (absent for older clients). */
  limits?: DocLimits;
}

/** A subscription or an update was refused; the socket stays open. */
export interface DocErrorMessage {
  type: typeof MessageType.docError;
  docId: string;
  code: DocErrorCode;
  message: string;
  /**
   * Since protocol 3, with `rate_limited` only: how long to wait before sending again, in ms.
   * Encoded after the message only when present (older clients never get it).
   */
  retryAfterMs?: number;
}

/**
 * `count` more of this client's updates to `docId` are durably stored on the server, in the
 * order they were sent (Hocuspocus calls this SyncStatus).
 */
export interface AckMessage {
  type: typeof MessageType.ack;
  docId: string;
  count: number;
}

export interface ChangedDoc {
  docId: string;
  seq: number;
}

/**
 * Documents changed since the client's sequence. `full` means the client must run a full
 * state-vector exchange for every document it holds of this workspace: the store generation
 * changed (database restored from a backup), so the server may have lost updates that only
 * replicas still have.
 */
export interface CatchUpResultMessage {
  type: typeof MessageType.catchUpResult;
  workspaceId: string;
  generation: string;
  seq: number;
  full: boolean;
  changed: ChangedDoc[];
  /**
   * Since protocol 5: the server's clock when it answered (epoch ms). The client keeps it
   * as its replica's age stamp once the changed docs are synced, and names it in every
   * `subscribe` (`replicaSyncedAt`).
   */
  serverTime?: number;
}

/** Sent right before the server closes the socket, with the close code's reason in words. */
export interface ErrorMessage {
  type: typeof MessageType.error;
  code: number;
  message: string;
}

/**
 * One piece of a y-protocols message for `docId` that the server sends in bounded pieces (a
 * first sync of a large document). Pieces of one message arrive in order, `offset` 0 first;
 * once `offset + bytes.length === total` the receiver handles the `total` bytes exactly as
 * the payload of a doc frame. Other frames (also for the same doc) may come in between.
 */
export interface DocChunkMessage {
  type: typeof MessageType.docChunk;
  docId: string;
  /** Bytes of the whole y-protocols message. */
  total: number;
  /** Where `bytes` start in it. */
  offset: number;
  bytes: Uint8Array;
}

/** The answer to a `ping`, with its nonce. */
export interface PongMessage {
  type: typeof MessageType.pong;
  nonce: number;
}

/** One disabled item in `disabledItems`: its key (see `itemKeyOf`) and the operator's reason. */
export interface DisabledItemEntry {
  itemKey: string;
  reason: string;
}

/**
 * Since protocol 4: every item of `workspaceId` whose access the operator disabled (terms §4),
 * the whole list each time (an empty list: nothing is disabled any more). Sent after the
 * connection's first subscription to a document of the workspace, and to every connection
 * with a subscription in it whenever the list changes. The client hides what it names (and
 * keeps the list with its local copy); whole documents are also refused by the server.
 */
export interface DisabledItemsMessage {
  type: typeof MessageType.disabledItems;
  workspaceId: string;
  items: DisabledItemEntry[];
}

export type ServerMessage =
  | DocMessage
  | DisabledItemsMessage
  | DocChunkMessage
  | PongMessage
  | WelcomeMessage
  | SubscribedMessage
  | DocErrorMessage
  | AckMessage
  | CatchUpResultMessage
  | ErrorMessage;
