import { describe, expect, it } from 'vitest';
import type { FirstPageRow } from '@desk/protocol';
import { keptRowOf } from './disabledRows.ts';

const row: FirstPageRow = {
  id: 't1',
  number: 7,
  provisionalNumber: '',
  title: 'Printer on fire',
  status: 'open',
  priority: 'high',
  assigneeId: null,
  tags: ['hardware'],
  updatedAt: 1,
};

describe('keptRowOf', () => {
  it('keeps a row as it is when the ticket is not disabled', () => {
    expect(keptRowOf(row, null)).toBe(row);
  });

  it('keeps a disabled ticket as the marker with the reason, without its title or tags', () => {
    const kept = keptRowOf(row, 'Reported as harassment');
    expect(kept.title).toBe('Access to this content has been disabled — Reported as harassment');
    expect(kept.tags).toEqual([]);
    expect(JSON.stringify(kept)).not.toContain('Printer on fire');
    expect(JSON.stringify(kept)).not.toContain('hardware');
  });
});
