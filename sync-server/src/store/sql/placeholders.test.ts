import { describe, expect, it } from 'vitest';
import { toPgPlaceholders } from './placeholders.ts';

describe('toPgPlaceholders', () => {
  it('numbers each ? in order', () => {
    expect(toPgPlaceholders('SELECT * FROM t WHERE a = ? AND b IN (?, ?)')).toBe(
      'SELECT * FROM t WHERE a = $1 AND b IN ($2, $3)',
    );
  });

  it('leaves a ? in string literals, quoted identifiers and comments alone', () => {
    expect(
      toPgPlaceholders(`SELECT 'why?', 'it''s ?', "col?" FROM t -- ok?
        WHERE a = ? /* b = ? */ AND c = ?`),
    ).toBe(`SELECT 'why?', 'it''s ?', "col?" FROM t -- ok?
        WHERE a = $1 /* b = ? */ AND c = $2`);
  });
});
