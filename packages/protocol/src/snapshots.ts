/**
 * The closed lists of the snapshot contract, free of zod so the web bundle can use them;
 * the REST bodies are in `rest/snapshots.ts`.
 */
export const SnapshotTriggers = ['schedule', 'manual', 'pre_restore'] as const;
export type SnapshotTriggerName = (typeof SnapshotTriggers)[number];

/**
 * Why an undo left something as it is: changed by someone after the restore (their edit
 * stays), or content whose access the operator disabled (terms §4; not written past it).
 */
export const UndoLeftAloneReasons = ['changed_since_restore', 'content_disabled'] as const;
export type UndoLeftAloneReason = (typeof UndoLeftAloneReasons)[number];
