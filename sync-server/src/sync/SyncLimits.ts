/**
 * Every limit of the sync endpoints, each enforced at one point. Defaults suit one server
 * process serving a few thousand sockets; tests shrink them to reach each path.
 */
export interface SyncLimits {
  /**
   * Largest frame a client may send, in bytes. Bigger closes the socket with 4413. Checked
   * before decoding. @default 8 MiB
   */
  maxMessageBytes: number;
  /**
   * Largest single Yjs update, in bytes; bigger is refused with docError `update_too_large`
   * on /sync (the socket stays open) and closes a /yjs socket with 4414. The document-size
   * limit is per plan (`billing/plans.ts`); both are in SPEC.md, LIMIT. @default 4 MiB
   */
  maxUpdateBytes: number;
  /**
   * Most documents one /sync socket may have subscribed (or pending) at once; more are
   * refused with docError `too_many_docs`. @default 20,000
   */
  maxDocsPerSocket: number;

  // ── bounded before authorization: frames for a doc whose authorization (or load) is
  // pending are queued; past any of these the socket is closed with 4408 ──
  /** Queued bytes per socket. @default 4 MiB */
  pendingMaxBytes: number;
  /** Queued frames per socket (a subscribe and a sync step 1 per doc is the normal load). @default 50,000 */
  pendingMaxFrames: number;
  /** Documents waiting for authorization or load per socket. @default 20,000 */
  pendingMaxDocs: number;
  /** How long a document may stay pending, in ms. @default 15,000 */
  pendingDeadlineMs: number;

  /**
   * Send-buffer size past which a socket is a slow consumer, in bytes: it is closed with
   * 4429 instead of buffering without bound or slowing the room. @default 16 MiB
   */
  maxBufferedBytes: number;
  /**
   * Piece size of the server's catch-up sends (answers to sync step 1, e.g. a new device's
   * first sync of a large document), in bytes: bigger messages go to protocol-2 clients as
   * docChunk frames of this size, and a socket holds at most about two pieces of catch-up in
   * its send buffer (the next leaves once the earlier ones were written out). Catch-up bytes
   * are not counted by `maxBufferedBytes`. @default 512 KiB
   */
  catchUpChunkBytes: number;
  /**
   * Documents weighing at least this much in the store (merged state plus log) when loaded
   * are held as bytes, not as a Y.Doc: their load (merging state and log) and every answer to
   * a sync step 1 run on the off-thread worker. Measured (test/bench/largeDoc/decodeCost.ts,
   * realistic index docs): decoding into a Y.Doc plus encoding it costs ~85-95 ms per MiB on
   * the event loop, so a room of this size blocks it ~11 ms at most. @default 128 KiB
   */
  largeDocBytes: number;
  /** How long a document without subscribers stays in memory, in ms. @default 15,000 */
  docIdleMs: number;
  // ── compaction (folding a document's update log into its merged state): geometric, so
  // its cost per update does not grow with the document; the rule is `compactionDue` ──
  /**
   * Log rows that always make a document due, whatever its size, in rows; larger documents
   * wait for more (`compactStateBytesPerRow`). @default 500
   */
  compactAfterUpdates: number;
  /**
   * Logged bytes that always make a document due, in bytes; larger documents wait for
   * more (`compactLogRatio`). @default 1 MiB
   */
  compactAfterBytes: number;
  /**
   * A document is due once its log weighs this fraction of its merged state (ratio of
   * bytes): compaction re-encodes the whole state, so it must wait for a log in proportion
   * to it to cost O(1) per update; 0.5 bounds the log at half the state and the work at
   * 3 bytes re-encoded per logged byte. @default 0.5
   */
  compactLogRatio: number;
  /**
   * ...or once its log has one row per this many bytes of merged state, in bytes per row:
   * a cold load replays every row (~55 µs each), so small edits must not pile up to the
   * byte rule; at 1 KiB replaying the log costs about what decoding the state does, and
   * compaction re-encodes at most 1 KiB of state per update. @default 1 KiB
   */
  compactStateBytesPerRow: number;
  /**
   * Documents weighing at least this much in the store (merged state plus log) are compacted
   * on the off-thread worker from their stored rows, not by encoding the loaded doc on the
   * event loop (~70 ms for a 10,000-ticket index doc). @default 256 KiB
   */
  compactOffThreadBytes: number;
  /**
   * Group commit (UpdatePipeline): after a store transaction holding fewer than this many
   * updates, the next batch is held `groupCommitIntervalMs` from its first update (or until
   * it holds this many), so a stream of lone updates (many quiet docs) shares transactions;
   * a busy doc's batches and an update after a quiet spell are stored in their own turn.
   * 0 turns it off. @default 4
   */
  groupCommitSmallBatch: number;
  /**
   * How long a batch is held from its first update, while lone updates keep coming: adds
   * at most this much latency, and only then. A commit costs ~100 µs of CPU whatever it
   * holds, and a stream of lone updates 1–5 ms apart (200 docs × 5 clients × 1/s; one doc ×
   * 50 clients × 4/s) shared almost none at 1 ms counted from the previous commit (1.36
   * updates per batch at 1,000/s); held 2 ms from the first update, 2.36 (a simulation,
   * BENCHMARKS.md, twelfth run). 8 updates / 5 ms was tried (issue 13): no CPU gain shown,
   * and fan-out latency p99 rose (quiet runs: 9.1 vs 8.0 ms in `fanout`, 12.2 vs 6.3 ms in
   * `grow-fanout`), so the wait stays short. @default 2 ms
   */
  groupCommitIntervalMs: number;
  /**
   * Interval of WebSocket pings, in ms; a socket that has not answered the previous ping is
   * terminated (dead peers otherwise hold their awareness and memory). @default 30,000
   */
  heartbeatMs: number;
  /** How long graceful shutdown waits for clients to acknowledge the 1012 close, in ms. @default 2,000 */
  closeGraceMs: number;
  /**
   * The offline-replica limit, in ms: a /sync client whose replica of the workspace last
   * caught up longer ago than this (its `subscribe` says when, in the server's clock) has its
   * writes from that time refused with `replica_too_old` (SPEC.md, IDX-GEN-7). The server
   * passes `OFFLINE_REPLICA_LIMIT_DAYS`. @default 90 days
   */
  offlineReplicaMs: number;
}

export const defaultSyncLimits: SyncLimits = {
  maxMessageBytes: 8 * 1024 * 1024,
  maxUpdateBytes: 4 * 1024 * 1024,
  maxDocsPerSocket: 20_000,
  pendingMaxBytes: 4 * 1024 * 1024,
  pendingMaxFrames: 50_000,
  pendingMaxDocs: 20_000,
  pendingDeadlineMs: 15_000,
  maxBufferedBytes: 16 * 1024 * 1024,
  catchUpChunkBytes: 512 * 1024,
  largeDocBytes: 128 * 1024,
  docIdleMs: 15_000,
  compactAfterUpdates: 500,
  compactAfterBytes: 1024 * 1024,
  compactLogRatio: 0.5,
  compactStateBytesPerRow: 1024,
  compactOffThreadBytes: 256 * 1024,
  groupCommitSmallBatch: 4,
  groupCommitIntervalMs: 2,
  heartbeatMs: 30_000,
  closeGraceMs: 2_000,
  offlineReplicaMs: 90 * 24 * 3_600_000,
};
