import { contentDisabledWords, type FirstPageRow } from '@desk/protocol';

/**
 * A list row as this device keeps it for the next start's first screen: a ticket the operator
 * disabled (terms §4) is kept as the marker, without its title or tags, so nothing of it is
 * painted from the kept copy either — also offline, also before the disabled list is read.
 */
export function keptRowOf(row: FirstPageRow, disabledReason: string | null): FirstPageRow {
  if (disabledReason === null) return row;
  return { ...row, title: contentDisabledWords(disabledReason), tags: [] };
}
