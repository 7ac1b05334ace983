import { formatBytes } from '@desk/model';
import { UsageLimitName, usageShare, type UsageMeter } from '@desk/protocol';

/** What each limit is called in Settings and in the banner. */
export const LIMIT_LABELS: Record<UsageLimitName, string> = {
  document_size: 'Largest document',
  storage: 'Storage (documents and attachments)',
  seats: 'Seats',
  tickets: 'Tickets',
};

const numberFormat = new Intl.NumberFormat('en-US');

function amount(meter: UsageMeter, value: number): string {
  return meter.unit === 'bytes' ? formatBytes(value) : numberFormat.format(value);
}

/** "4.1 MB of 5.0 MB (82 %)", or "1,234 (no limit on this plan)". */
export function meterWords(meter: UsageMeter): string {
  if (meter.limit === null) return `${amount(meter, meter.used)} (no limit on this plan)`;
  const percent = Math.floor(usageShare(meter) * 100);
  return `${amount(meter, meter.used)} of ${amount(meter, meter.limit)} (${percent} %)`;
}

/** The banner's sentence for the fullest meters: what is near or at its limit, and what to do. */
export function warningWords(meters: readonly UsageMeter[]): string | null {
  const first = meters[0];
  if (!first) return null;
  const atLimit = usageShare(first) >= 1;
  const names = meters.map((m) => LIMIT_LABELS[m.name].toLowerCase()).join(', ');
  return atLimit
    ? `This workspace has reached a limit of its plan (${names}). Reading, exporting and deleting keep working; upgrade the plan, or delete or archive old tickets, to add more.`
    : `This workspace is close to a limit of its plan (${names}: ${meterWords(first)}). Upgrade the plan, or delete or archive old tickets, before it is full.`;
}
