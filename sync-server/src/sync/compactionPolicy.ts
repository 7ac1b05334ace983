import type { SyncLimits } from './SyncLimits.ts';

/** What the compaction rule reads of a document: its update log and its merged state. */
export interface CompactionInput {
  /** Rows in the update log since the last compaction. */
  readonly logRows: number;
  /** Bytes of those rows. */
  readonly logBytes: number;
  /** Bytes of the merged state (0 before the first compaction). */
  readonly stateBytes: number;
}

export type CompactionLimits = Pick<
  SyncLimits,
  'compactAfterUpdates' | 'compactAfterBytes' | 'compactLogRatio' | 'compactStateBytesPerRow'
>;

/**
 * Whether a document's log is due to be folded into its merged state. Geometric, so that
 * compaction costs O(1) per update however large the document grows (issue 13): a
 * compaction decodes and re-encodes the whole state (cost ∝ state bytes S plus log bytes),
 * so it runs only once the log has grown in proportion to S —
 *
 * - bytes: log bytes ≥ max(compactAfterBytes, compactLogRatio × S). Per update that is at
 *   most (1 + 1/ratio) × the update's own bytes; a growing document is compacted each time
 *   it has grown by the ratio, and those compactions sum to a geometric series (≤ 3× the
 *   final size at 0.5).
 * - rows: log rows ≥ max(compactAfterUpdates, S / compactStateBytesPerRow). Small edits
 *   (a status change is ~40 bytes) would take the byte rule a million rows on a 100 MB
 *   index, and a cold load applies every row; capped here, replaying the log costs about
 *   as much as decoding the state (~55 µs a row vs ~25–650 ns a state byte, measured),
 *   while compaction still costs at most S / (S / perRow) = perRow state bytes per update.
 *
 * Small documents keep the floors: 500 rows or 1 MiB, as before.
 */
export function compactionDue(input: CompactionInput, limits: CompactionLimits): boolean {
  if (input.logRows === 0) return false;
  const rowsDue = Math.max(
    limits.compactAfterUpdates,
    Math.floor(input.stateBytes / limits.compactStateBytesPerRow),
  );
  const bytesDue = Math.max(limits.compactAfterBytes, limits.compactLogRatio * input.stateBytes);
  return input.logRows >= rowsDue || input.logBytes >= bytesDue;
}
