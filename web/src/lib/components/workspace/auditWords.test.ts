import { AUDIT_ACTIONS } from '@desk/protocol';
import { describe, expect, it } from 'vitest';
import { AUDIT_ACTION_WORDS, auditActionWords } from './auditWords.ts';

describe('audit action words', () => {
  it('has words for every action the server records, none of them the code itself', () => {
    for (const action of AUDIT_ACTIONS) {
      const words = AUDIT_ACTION_WORDS[action];
      expect(words, action).toBeTruthy();
      expect(words, action).not.toBe(action);
      expect(words, action).not.toMatch(/[._]/);
    }
    expect(Object.keys(AUDIT_ACTION_WORDS).sort()).toEqual([...AUDIT_ACTIONS].sort());
  });

  it('says each action differently', () => {
    const words = Object.values(AUDIT_ACTION_WORDS);
    expect(new Set(words).size).toBe(words.length);
  });

  it('shows an action it does not know (a newer server) as its code', () => {
    expect(auditActionWords('user.suspended')).toBe('User suspended');
    expect(auditActionWords('billing.something_new')).toBe('billing.something_new');
  });
});
