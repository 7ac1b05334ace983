import { describe, expect, it } from 'vitest';

// The folders of lib/ are the web app's architecture: each may use the ones below it, and
// none may reach back up. A cycle between two folders makes them one module in two places
// (neither can be understood, tested or moved alone), so none is allowed.

const sources = import.meta.glob<string>(['./**/*.ts', './**/*.svelte'], {
  query: '?raw',
  import: 'default',
  eager: true,
});

const importPattern =
  /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;

function folderOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/'));
}

/** `../b/c.ts` from `./a/x.ts` is `./b/c.ts`; `$lib/b/c.ts` is `./b/c.ts`; packages: null. */
function resolve(from: string, specifier: string): string | null {
  if (specifier.startsWith('$lib/')) return `./${specifier.slice('$lib/'.length)}`;
  if (!specifier.startsWith('.')) return null;
  const parts = folderOf(from).split('/');
  for (const part of specifier.split('/')) {
    if (part === '..') parts.pop();
    else if (part !== '.') parts.push(part);
  }
  return parts.join('/');
}

/** Which folder imports which, with one import that shows it. */
function folderGraph(files: Record<string, string>): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const [path, source] of Object.entries(files)) {
    for (const match of source.matchAll(importPattern)) {
      const specifier = match[1] ?? match[2] ?? match[3] ?? '';
      const target = resolve(path, specifier);
      if (target === null || folderOf(target) === folderOf(path)) continue;
      const edges = graph.get(folderOf(path)) ?? new Map<string, string>();
      graph.set(folderOf(path), edges);
      if (!edges.has(folderOf(target))) edges.set(folderOf(target), `${path} → ${specifier}`);
    }
  }
  return graph;
}

/** The folder cycles (strongly connected groups of two or more), each with its imports. */
export function folderCycles(files: Record<string, string>): string[][] {
  const graph = folderGraph(files);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (folder: string) => {
    index.set(folder, index.size);
    low.set(folder, index.get(folder)!);
    stack.push(folder);
    for (const next of graph.get(folder)?.keys() ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(folder, Math.min(low.get(folder)!, low.get(next)!));
      } else if (stack.includes(next)) {
        low.set(folder, Math.min(low.get(folder)!, index.get(next)!));
      }
    }
    if (low.get(folder) !== index.get(folder)) return;
    const group: string[] = [];
    for (let member = stack.pop(); member !== undefined; member = stack.pop()) {
      group.push(member);
      if (member === folder) break;
    }
    if (group.length < 2) return;
    const members = new Set(group);
    cycles.push(
      group.flatMap((from) =>
        [...(graph.get(from) ?? [])]
          .filter(([to]) => members.has(to))
          .map(([, example]) => example),
      ),
    );
  };
  for (const folder of [...graph.keys()].sort()) if (!index.has(folder)) visit(folder);
  return cycles;
}

describe('folders of web/src/lib', () => {
  it('import each other without a cycle', () => {
    expect(Object.keys(sources).length).toBeGreaterThan(50);
    expect(folderCycles(sources)).toEqual([]);
  });

  it('counts a cycle through $lib paths, relative paths and dynamic imports, not within a folder', () => {
    const cycles = folderCycles({
      './a/x.ts': "import { y } from '../b/y.ts';\nimport { z } from './z.ts';",
      './a/z.ts': "import type { Y } from '$lib/b/y.ts';",
      './b/y.ts': "export const load = () => import('$lib/c/w.ts');",
      './c/w.ts': "import { x } from '$lib/a/x.ts';",
      './d/v.ts': "import { x } from '$lib/a/x.ts';",
    });
    expect(cycles).toHaveLength(1);
    expect([...(cycles[0] ?? [])].sort()).toEqual([
      './a/x.ts → ../b/y.ts',
      './b/y.ts → $lib/c/w.ts',
      './c/w.ts → $lib/a/x.ts',
    ]);
  });
});
