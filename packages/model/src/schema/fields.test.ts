import { describe, expect, it } from 'vitest';
import { ModelError } from '../ModelError.ts';
import {
  validateDueDate,
  validateRequester,
  validateStatus,
  validateTags,
  validateTitle,
} from './fields.ts';

describe('field validation', () => {
  it('trims titles and collapses inner whitespace', () => {
    expect(validateTitle('  Printer   on fire \n')).toBe('Printer on fire');
  });

  it('refuses an empty or overlong title with the field named', () => {
    expect(() => validateTitle('   ')).toThrow(ModelError);
    try {
      validateTitle('x'.repeat(201));
    } catch (error) {
      expect((error as ModelError).field).toBe('title');
    }
  });

  it('accepts only the six statuses', () => {
    expect(validateStatus('on_hold')).toBe('on_hold');
    expect(() => validateStatus('on-hold')).toThrow(ModelError);
  });

  it('normalises tags to lower-case dashed words without duplicates', () => {
    expect(validateTags(['VPN', 'vpn', ' Printer Room ', ''])).toEqual(['vpn', 'printer-room']);
    expect(() => validateTags(Array.from({ length: 21 }, (_, i) => `t${i}`))).toThrow(ModelError);
  });

  it('treats a requester without name and email as none and checks the address', () => {
    expect(validateRequester({ name: ' ', email: '' })).toBeNull();
    expect(validateRequester({ name: 'Ana', email: 'ana@example.com' })).toEqual({
      name: 'Ana',
      email: 'ana@example.com',
    });
    expect(() => validateRequester({ name: 'Ana', email: 'not-an-address' })).toThrow(ModelError);
  });

  it('takes due dates as calendar days', () => {
    expect(validateDueDate('2026-12-01')).toBe('2026-12-01');
    expect(validateDueDate('')).toBeNull();
    expect(() => validateDueDate('01/12/2026')).toThrow(ModelError);
  });
});
