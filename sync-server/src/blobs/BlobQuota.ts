import type { AsyncStore } from '../store/sql/asyncStore.ts';

/** Why a reservation was refused: nothing left at all, or not enough for this file. */
export type QuotaRefusal = 'storage_used_up' | 'does_not_fit';

export type Reservation =
  | { readonly ok: true; readonly id: string; readonly bytes: number }
  | { readonly ok: false; readonly reason: QuotaRefusal };

/**
 * A workspace's storage quota — its documents' stored bytes plus its attachments, one plan
 * number (SPEC.md, LIMIT-8) — under concurrent uploads. Checking "used < quota" and
 * storing later lets every upload that starts before the first one finishes see the same
 * room (12 parallel uploads stored 3 MiB into 1 MiB). So an upload reserves its size before
 * it writes a byte — the check and the reservation in one immediate transaction, counting
 * stored files and other uploads' reservations — and the reservation becomes the stored
 * row (`commit`) or is released on any failure.
 */
export interface BlobQuota {
  /**
   * Reserves `declared` bytes (the upload's Content-Length) or, when the size is not known
   * up front, everything up to `maxBytes` that is left.
   */
  reserve(
    workspaceId: string,
    quotaBytes: number,
    maxBytes: number,
    declared: number | null,
  ): Reservation;
  /** Stores the upload's rows (`record`) and drops its reservation, in one transaction. */
  commit(reservationId: string, record: () => void): void;
  release(reservationId: string): void;
  /**
   * What the workspace's storage holds now, in bytes: its documents (merged states plus logs,
   * as the document-size limit counts them), its attachments and the uploads in flight —
   * what a reservation is checked against. Lookups of counters the store keeps exact
   * (migrations 23 and 25), cheap enough for the sync write path (SPEC.md, LIMIT-12).
   */
  used(workspaceId: string): number;
}

/**
 * The BlobQuota as callers see it once PostgreSQL may be behind it (`SqlBlobQuota`):
 * `commit`'s `record` may then be async (the catalog's writes on the seam), and runs inside
 * the commit's transaction.
 */
export type AsyncBlobQuota = AsyncStore<BlobQuota>;
