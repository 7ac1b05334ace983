/**
 * The wire contract of the multiplexed sync socket (`/sync`). Byte layouts are described in
 * PROTOCOL.md beside this package. y-protocols' own message numbers (0 sync, 1 awareness,
 * 3 query-awareness) are kept as they are inside doc frames; ours are numbered from 100 up.
 */
export const PROTOCOL_VERSION = 5;

/**
 * The oldest client protocol the server still speaks. Version 1 clients cannot reassemble
 * `docChunk` frames: they get their first sync as one doc frame (SPEC.md, CHUNK-5).
 */
export const MIN_PROTOCOL_VERSION = 1;

/** The first protocol version whose clients reassemble `docChunk` frames. */
export const CHUNKED_PROTOCOL_VERSION = 2;

/**
 * The first protocol version whose servers answer `ping` with `pong` (PROTOCOL.md,
 * "Heartbeat"). A client sends pings only to a server whose welcome says at least this.
 */
export const HEARTBEAT_PROTOCOL_VERSION = 2;

/**
 * The first protocol version whose clients know `rate_limited` and read a docError's
 * optional `retryAfterMs`. An older client is refused with `storage_unavailable` instead,
 * which it already retries with backoff (PROTOCOL.md, "Update rate").
 */
export const RATE_LIMIT_PROTOCOL_VERSION = 3;

/**
 * The first protocol version whose clients know `storage_full` (SPEC LIMIT-12). An older
 * client is refused with `doc_too_large` instead, which it already handles the same way (the
 * change kept as a draft, the replica brought back in line with the server).
 */
export const STORAGE_FULL_PROTOCOL_VERSION = 4;

/**
 * The first protocol version whose clients know `content_disabled` and the `disabledItems`
 * message (terms §4, PROTOCOL.md "Disabled content"). An older client is refused a disabled
 * document with `access_revoked` (the operator's reason as the message) and gets no list.
 */
export const MODERATION_PROTOCOL_VERSION = 4;

/**
 * The first protocol version whose clients say how old their replica is (`subscribe`'s
 * `replicaSyncedAt`, stamped from `catchUpResult`'s `serverTime`) and know `replica_too_old`
 * (PROTOCOL.md, "Offline-replica limit"). Older clients say nothing and are not checked.
 */
export const REPLICA_AGE_PROTOCOL_VERSION = 5;

/** First varUint of every frame on `/sync`. */
export const MessageType = {
  /** A standard y-protocols message for one document: `docId` + the y-protocols bytes. */
  doc: 0,
  // client → server
  hello: 100,
  subscribe: 101,
  unsubscribe: 102,
  catchUp: 103,
  /** Since version 2: "are you there?"; answered at once by `pong` with the same nonce. */
  ping: 104,
  // server → client
  welcome: 110,
  subscribed: 111,
  docError: 112,
  ack: 113,
  catchUpResult: 114,
  error: 115,
  /** Since version 2: one piece of a doc frame's y-protocols message too big for one frame. */
  docChunk: 116,
  /** Since version 2: the answer to `ping`, with its nonce. */
  pong: 117,
  /**
   * Since version 4: the full list of a workspace's disabled items (terms §4), sent after the
   * connection's first subscription to a document of that workspace and again to every
   * connection subscribed in it whenever the list changes.
   */
  disabledItems: 118,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** The y-protocols message type that follows the doc id inside a `doc` frame. */
export const YMessageType = {
  sync: 0,
  awareness: 1,
  queryAwareness: 3,
} as const;
export type YMessageType = (typeof YMessageType)[keyof typeof YMessageType];

/**
 * WebSocket close codes. 1012 is the standard "service restart": clients reconnect with
 * backoff. 44xx mirror HTTP statuses so logs read naturally; every one is final for the
 * socket but only `unauthenticated`, `sessionRevoked` and `protocolVersion` are final for
 * the client (it stops retrying until the user acts).
 */
export const CloseCode = {
  normal: 1000,
  serverRestarting: 1012,
  malformedFrame: 4400,
  unauthenticated: 4401,
  sessionRevoked: 4402,
  foreignOrigin: 4403,
  /**
   * `/yjs` only (y-websocket cannot express a docError): the document was refused; the close
   * reason is the DocErrorCode. Like an HTTP 404 it does not say whether the doc exists.
   */
  docRefused: 4404,
  authQueueExceeded: 4408,
  protocolVersion: 4409,
  messageTooLarge: 4413,
  /**
   * `/yjs` only: an update was bigger than the update-size limit (DocErrorCode
   * `update_too_large` on /sync; reason = that code). Nothing of it was stored or forwarded.
   * In 44xx so the stock provider stops instead of sending the same update again forever.
   */
  updateTooLarge: 4414,
  /**
   * `/yjs` only: an update would take the document past its plan's size limit (DocErrorCode
   * `doc_too_large` on /sync; reason = that code). Nothing of it was stored or forwarded.
   * In 44xx so the stock provider stops instead of sending the same update again forever.
   */
  docTooLarge: 4415,
  /**
   * `/yjs` only: the first write of a new ticket document when the workspace already holds
   * its plan's ticket limit (DocErrorCode `ticket_limit` on /sync; reason = that code).
   * Nothing of it was stored or forwarded. 44xx: the stock provider stops.
   */
  ticketLimit: 4416,
  /**
   * `/yjs` only: an update that adds content would take the workspace past its plan's storage
   * (documents plus attachments; DocErrorCode `storage_full` on /sync; reason = that code).
   * Nothing of it was stored or forwarded. 44xx: the stock provider stops (SPEC LIMIT-12).
   */
  storageFull: 4417,
  /**
   * `/yjs` only: a change from a client with read-only access (DocErrorCode `read_only_role`
   * or `workspace_read_only` on /sync; reason = that code). Nothing of it was stored or
   * forwarded. An update that changes nothing (a read-only client's step 2 after a
   * reconnect) is not refused. 423 as in HTTP's "Locked".
   */
  readOnly: 4423,
  slowConsumer: 4429,
  /**
   * `/sync` and `/yjs`, at the upgrade: the user has not accepted the terms version in force
   * (reason `terms_not_accepted`; REST answers 403 with that code). Not final: the client
   * reconnects with backoff and gets through once the user accepts on the terms page.
   * 451 as in HTTP's "unavailable for legal reasons".
   */
  termsNotAccepted: 4451,
  /**
   * `/yjs` only: access to the document was disabled by the operator (terms §4; DocErrorCode
   * `content_disabled` on /sync). Sent when connecting to a disabled ticket or notice, to a
   * provider already connected when it is disabled, and for a write to it. The reason is
   * `content_disabled: <the operator's reason>` (cut to the 123 bytes a close reason holds).
   * Nothing is stored or forwarded. In 44xx so the stock provider does not count on
   * reconnecting: it is refused the same way until the operator re-enables the document.
   */
  contentDisabled: 4452,
  internalError: 4500,
  /**
   * `/yjs` only: an update needed changes the server does not have (DocErrorCode
   * `missing_dependencies` on /sync). Outside 44xx so the stock provider reconnects; its
   * sync step 2 then carries everything the server lacks, in causal order.
   */
  missingDependencies: 4524,
  /**
   * `/yjs` only: the connection or its workspace sent updates faster than its plan's update
   * rate (DocErrorCode `rate_limited` on /sync; reason = that code). Nothing of the refused
   * update was stored or forwarded. Outside 44xx so the stock provider reconnects (with its
   * backoff) and its sync step 2 sends the refused change again: nothing is lost.
   */
  rateLimited: 4529,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** Close codes after which reconnecting without user action cannot succeed. */
export const FINAL_CLOSE_CODES: ReadonlySet<number> = new Set([
  CloseCode.unauthenticated,
  CloseCode.sessionRevoked,
  CloseCode.foreignOrigin,
  CloseCode.protocolVersion,
]);

/**
 * Why a document subscription or an update was refused. The socket stays open; only that
 * document is affected. The client keeps refused local changes as a draft (DESIGN §4.4).
 */
export const DocErrorCode = {
  invalidDocId: 'invalid_doc_id',
  notMember: 'not_member',
  /** The membership was removed while subscribed. */
  accessRevoked: 'access_revoked',
  /** Viewer role: sync is allowed, updates are refused. */
  readOnlyRole: 'read_only_role',
  /** Trial expired, suspended or terminated workspace: updates are refused. */
  workspaceReadOnly: 'workspace_read_only',
  /**
   * The workspace is being deleted (issue 16): every subscription of it ends and new ones are
   * refused; the client forgets its replica. On `/yjs` the socket closes with 4404 and this
   * reason.
   */
  workspaceDeleted: 'workspace_deleted',
  updateTooLarge: 'update_too_large',
  docTooLarge: 'doc_too_large',
  /** A new ticket document while the workspace holds its plan's ticket limit (SPEC LIMIT-7). */
  ticketLimit: 'ticket_limit',
  /**
   * An update adding content while the workspace's documents plus attachments would pass its
   * plan's storage (SPEC LIMIT-12). Deletions are never refused for it. Protocol 4 and later
   * (older clients get `doc_too_large`).
   */
  storageFull: 'storage_full',
  malformedUpdate: 'malformed_update',
  /** The server could not load or store the document; retry later. */
  storageUnavailable: 'storage_unavailable',
  tooManyDocs: 'too_many_docs',
  /**
   * The update needs structs (or deletes structs) the server never received; stored, it
   * would stay pending for every client. Refused whole before anything is stored.
   */
  missingDependencies: 'missing_dependencies',
  /**
   * The connection or its workspace sent updates faster than its plan's update rate (SPEC
   * LIMIT-9). Refused whole; the docError carries `retryAfterMs`, after which the client
   * subscribes again and its sync step 2 resends the change. Only sent to clients of
   * protocol 3 and later (older ones get `storage_unavailable`).
   */
  rateLimited: 'rate_limited',
  /**
   * The operator disabled access to this document (terms §4): the subscription is refused
   * (or ended, for a live subscriber) and writes to it are refused; `message` is the
   * operator's reason. Blocks like `not_member` until the client hears (from `disabledItems`)
   * that the document was re-enabled. Only sent to clients of protocol 4 and later (older
   * ones get `access_revoked`).
   */
  contentDisabled: 'content_disabled',
  /**
   * The client's replica of the workspace last caught up with the server longer ago than the
   * offline-replica limit (`OFFLINE_REPLICA_LIMIT_DAYS`): what it wrote while away is built
   * on state the server may have dropped since (an index generation, a deleted document),
   * so a write of it is refused whole. The subscription stays open; the client reloads the
   * document from the server (a sync step 1 with an empty state vector, after which its
   * writes are taken again) and keeps the refused work as a draft. Protocol 5 and later
   * (older clients never say their replica's age, so they are never refused with it).
   */
  replicaTooOld: 'replica_too_old',
} as const;
export type DocErrorCode = (typeof DocErrorCode)[keyof typeof DocErrorCode];

export const ALL_DOC_ERROR_CODES: ReadonlySet<string> = new Set(Object.values(DocErrorCode));

/** What a subscription allows. */
export const DocAccess = {
  read: 0,
  write: 1,
} as const;
export type DocAccess = (typeof DocAccess)[keyof typeof DocAccess];
