import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// SPEC.md gives every sync rule an id that test names cite (`it('WRITE-4 …')`). A cited id
// that SPEC.md does not define points a reader at nothing; this keeps the two in step.

const root = fileURLToPath(new URL('../../../', import.meta.url));
const spec = readFileSync(join(root, 'packages/protocol/SPEC.md'), 'utf8');

/** The rule ids SPEC.md defines (`- **WRITE-4** …`), in order, with their section's prefix. */
function definedRules(text: string): { id: string; section: string | null }[] {
  const rules: { id: string; section: string | null }[] = [];
  let section: string | null = null;
  for (const line of text.split('\n')) {
    const heading = /^## .*\(([A-Z]+)\)\s*$/.exec(line);
    if (line.startsWith('## ')) section = heading?.[1] ?? null;
    const rule = /^- \*\*([A-Z]+-\d+)\*\*/.exec(line);
    if (rule) rules.push({ id: rule[1]!, section });
  }
  return rules;
}

const skipped = new Set(['node_modules', '.git', 'build', '.svelte-kit', 'dist', 'coverage']);

function testFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (skipped.has(entry.name) || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...testFiles(path));
    else if (/\.test\.ts$/.test(entry.name)) files.push(path);
  }
  return files;
}

/** Ids cited at the start of a test or describe name: `it('DEP-1 refuses …'`, `it('WRITE-1 WRITE-3 …'`. */
function citedRules(source: string): string[] {
  const cited = /\b(?:it|test|describe)(?:\.each\([^)]*\))?\(\s*['"`]((?:[A-Z]+-\d+ )+)/g;
  return [...source.matchAll(cited)].flatMap((m) => m[1]!.trim().split(' '));
}

describe('SPEC.md rule ids', () => {
  const rules = definedRules(spec);

  it('are unique, and each carries the prefix of its section', () => {
    const ids = rules.map((r) => r.id);
    expect(ids.length).toBeGreaterThan(50);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
    const misplaced = rules.filter((r) => r.id.split('-')[0] !== r.section);
    expect(misplaced).toEqual([]);
  });

  const citations = testFiles(root).flatMap((file) =>
    citedRules(readFileSync(file, 'utf8')).map((id) => ({ id, file: relative(root, file) })),
  );

  it('exist for every id a test name cites', () => {
    const defined = new Set(rules.map((r) => r.id));
    const unknown = citations.filter((c) => !defined.has(c.id)).map((c) => `${c.file}: ${c.id}`);
    expect(unknown).toEqual([]);
    // The search itself works: the sync tests cite rules.
    expect(citations.length).toBeGreaterThan(50);
  });

  it('are each held by at least one test', () => {
    const cited = new Set(citations.map((c) => c.id));
    expect(rules.map((r) => r.id).filter((id) => !cited.has(id))).toEqual([]);
  });

  it('reads a cited id only at the start of a test name', () => {
    expect(citedRules("it('WRITE-4 never echoes', () => {})")).toEqual(['WRITE-4']);
    expect(citedRules("it('WRITE-1 WRITE-3 stores, then acks', () => {})")).toEqual([
      'WRITE-1',
      'WRITE-3',
    ]);
    expect(citedRules('it.each(SEEDS)(`CONV-1 converges (seed %i)`, () => {})')).toEqual([
      'CONV-1',
    ]);
    expect(citedRules("it('closes with 4408 (CONN-4)', () => {})")).toEqual([]);
  });
});
