import { searchOps } from '../search/searchOps.ts';
import { snapshotOps } from '../snapshots/snapshotOps.ts';
import { docOps } from '../offthread/docOps.ts';
import { exportOps } from '../exports/exportOps.ts';
import { redactOps } from '../sync/redactOps.ts';
import { generationOps } from '../generations/generationOps.ts';
import type { HeavyOpTable } from '../offthread/HeavyOpTable.ts';

/**
 * Every operation HeavyYjs can run, on its worker thread or inline: one registry so the
 * worker bundle and the main thread run the very same code.
 */
export const heavyOps = {
  ...docOps,
  ...snapshotOps,
  ...searchOps,
  ...exportOps,
  ...redactOps,
  ...generationOps,
} satisfies HeavyOpTable;

export type HeavyOps = typeof heavyOps;
