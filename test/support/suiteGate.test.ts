import { describe, expect, it } from 'vitest';
import { isCi, MissingPartsError, suiteVerdict, type MissingPart } from './suiteGate.ts';

const noChromium: MissingPart = {
  what: 'no Chromium at /usr/bin/chromium',
  howToGet: 'apt-get install chromium, or set CHROMIUM_PATH',
};
const noBuild: MissingPart = { what: 'web app not built', howToGet: 'pnpm build' };

describe('suiteVerdict', () => {
  it('runs the suite when nothing is missing, under CI or not', () => {
    expect(suiteVerdict('browser', [], {})).toEqual({ kind: 'run' });
    expect(suiteVerdict('browser', [], { CI: 'true' })).toEqual({ kind: 'run' });
  });

  it('skips with a notice naming what is missing and how to get it on a local run', () => {
    const verdict = suiteVerdict('browser', [noChromium, noBuild], {});
    expect(verdict.kind).toBe('skip');
    if (verdict.kind !== 'skip') return;
    expect(verdict.notice).toContain('no Chromium at /usr/bin/chromium');
    expect(verdict.notice).toContain('pnpm build');
  });

  it('fails under CI=true instead of skipping, naming each missing part and how to get it', () => {
    const verdict = suiteVerdict('browser', [noBuild], { CI: 'true' });
    expect(verdict.kind).toBe('fail');
    if (verdict.kind !== 'fail') return;
    expect(verdict.error).toBeInstanceOf(MissingPartsError);
    expect(verdict.error.code).toBe('missing_parts');
    expect(verdict.error.missing).toEqual([noBuild]);
    expect(verdict.error.message).toContain('web app not built (pnpm build)');
  });

  it('counts any CI value but empty, "false" and "0" as CI', () => {
    expect(isCi({ CI: 'true' })).toBe(true);
    expect(isCi({ CI: '1' })).toBe(true);
    expect(isCi({ CI: 'TRUE' })).toBe(true);
    expect(isCi({})).toBe(false);
    expect(isCi({ CI: '' })).toBe(false);
    expect(isCi({ CI: 'false' })).toBe(false);
    expect(isCi({ CI: '0' })).toBe(false);
  });
});
