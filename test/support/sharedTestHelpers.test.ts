import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// One seeded generator and one wait with a deadline, shared from @desk/protocol/testing
// (issue 14: there were five copies of each, one wait without a deadline). A copy drifts:
// another sequence for the same seed, or a wait that hangs instead of naming what it waited
// for. This keeps them from coming back.

const root = path.resolve(import.meta.dirname, '../..');
const searched = ['packages', 'sync-server/src', 'test', 'web/src'];
const skipped = new Set(['node_modules', 'dist', 'build', '.svelte-kit']);

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (skipped.has(entry.name)) return [];
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return /\.(ts|svelte)$/.test(entry.name) ? [full] : [];
  });
}

const files = searched.flatMap((dir) => sources(path.join(root, dir)));
const read = (file: string) => fs.readFileSync(file, 'utf8');
const relative = (file: string) => path.relative(root, file);

/** mulberry32's increment: only the shared generator may hold it. */
const mulberry32 = /0x6d2b79f5/i;
/** A wait helper of one's own: `function until(`, `const waitUntil = async (`, … */
const ownWait =
  /\bfunction\s+(?:until|waitUntil|eventually|pollUntil)\b|\bconst\s+(?:until|waitUntil|eventually|pollUntil)\s*=\s*(?:async\s*)?\(/;

/** Files matching `pattern` but its home (and this test, which plants copies on purpose). */
function copies(
  found: readonly { file: string; source: string }[],
  pattern: RegExp,
  home: string,
): string[] {
  const self = relative(import.meta.filename);
  return found
    .filter((f) => f.file !== home && f.file !== self && pattern.test(f.source))
    .map((f) => f.file);
}

/** The exhaustiveness check of a `switch` (product code too): written once, in @desk/protocol. */
const ownAssertNever = /\bfunction\s+assertNever\b|\bconst\s+assertNever\s*=/;

describe('shared helpers, one of each', () => {
  const found = files.map((file) => ({ file: relative(file), source: read(file) }));

  it('searches the whole repository', () => {
    expect(found.length).toBeGreaterThan(500);
  });

  it('has one seeded generator: @desk/protocol/testing seededRandom', () => {
    expect(copies(found, mulberry32, 'packages/protocol/src/testing/seededRandom.ts')).toEqual([]);
  });

  it('has one wait with a deadline: @desk/protocol/testing until', () => {
    expect(copies(found, ownWait, 'packages/protocol/src/testing/until.ts')).toEqual([]);
  });

  it('has one assertNever: @desk/protocol', () => {
    expect(copies(found, ownAssertNever, 'packages/protocol/src/assertNever.ts')).toEqual([]);
  });

  it('finds a copy of either', () => {
    const planted = [
      { file: 'a.test.ts', source: 'a = (a + 0x6D2B79F5) >>> 0;' },
      { file: 'b.test.ts', source: 'const until = async (check: () => boolean) => {};' },
      { file: 'c.ts', source: 'const until = this.now + ms; // a time, not a wait' },
      { file: 'd.ts', source: 'function assertNever(x: never): never {}' },
    ];
    expect(copies(planted, ownAssertNever, 'x')).toEqual(['d.ts']);
    expect(copies(planted, mulberry32, 'x')).toEqual(['a.test.ts']);
    expect(copies(planted, ownWait, 'x')).toEqual(['b.test.ts']);
  });
});
