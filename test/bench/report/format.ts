/** Numbers for people: few significant digits, thousands separated. */
export function formatNumber(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return '—';
  const abs = Math.abs(value);
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  if (abs >= 100) return Math.round(value).toLocaleString('en-US');
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

export function formatRatio(ours: number | undefined, theirs: number | undefined): string {
  if (ours === undefined || theirs === undefined || Number.isNaN(ours) || Number.isNaN(theirs)) {
    return '';
  }
  if (theirs === 0) return ours === 0 ? '×1.00' : '';
  const r = ours / theirs;
  return `×${r >= 100 ? Math.round(r) : r.toFixed(2)}`;
}
