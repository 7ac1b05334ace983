// eslint-disable-next-line @typescript-eslint/no-restricted-imports -- a test: it reads the bodies' names only, and tests never reach the app's bundle.
import * as rest from '@desk/protocol/rest';
import { describe, expect, it } from 'vitest';

// REST bodies are declared once, in @desk/protocol (zod schemas the server validates with and
// documents from), and called from one place, lib/api/. A body redeclared here drifts from
// the server's silently (`role: string` where the server has a closed union), and a fetch
// outside lib/api/ skips its typed errors.

const sources = import.meta.glob<string>(
  ['../../**/*.ts', '../../**/*.svelte', '!../../**/*.test.ts'],
  {
    query: '?raw',
    import: 'default',
    eager: true,
  },
);

/** `interface X {`, `interface X extends`, `type X =` (not `type X` in an import list). */
const declaration =
  /^\s*(?:export\s+)?(?:interface\s+([A-Z]\w*)\s*(?:<[^>]*>\s*)?(?:\{|extends)|type\s+([A-Z]\w*)\s*(?:<[^>]*>\s*)?=)/gm;

/** Local declarations that reuse the name of a REST body. */
function redeclared(files: Record<string, string>, names: ReadonlySet<string>): string[] {
  return Object.entries(files).flatMap(([path, source]) =>
    [...source.matchAll(declaration)]
      .map((m) => m[1] ?? m[2] ?? '')
      .filter((name) => names.has(name))
      .map((name) => `${path}: ${name}`),
  );
}

/** Calls of `/api/…` outside lib/api/ (the one home of the REST clients). */
function strayApiCalls(files: Record<string, string>): string[] {
  return (
    Object.entries(files)
      // This file's folder is lib/api/: its modules are './…'.
      .filter(([path]) => !path.startsWith('./'))
      .flatMap(([path, source]) =>
        [...source.matchAll(/\bfetch\(\s*[`'"]\/api\//g)].map(() => `${path}: fetch('/api/…')`),
      )
  );
}

describe('REST bodies and clients', () => {
  it('declares no REST body of @desk/protocol again in the web app', () => {
    const names = new Set(Object.keys(rest));
    expect(names.has('WorkspaceInfo') && names.has('AuditEntry')).toBe(true);
    expect(Object.keys(sources).length).toBeGreaterThan(50);
    expect(redeclared(sources, names)).toEqual([]);
  });

  it('calls /api/… only from lib/api/', () => {
    expect(strayApiCalls(sources)).toEqual([]);
  });

  it('finds a redeclared body and a stray call', () => {
    const files = {
      '../desk/x.ts': [
        "import { type AuditEntry } from '@desk/protocol';",
        'export interface Member { role: string }',
        "await fetch('/api/me');",
      ].join('\n'),
      './authApi.ts': 'await fetch(`/api/auth`);\ntype Plan = { id: string };',
    };
    expect(redeclared(files, new Set(['Member', 'AuditEntry', 'Plan']))).toEqual([
      '../desk/x.ts: Member',
      './authApi.ts: Plan',
    ]);
    expect(strayApiCalls(files)).toEqual(["../desk/x.ts: fetch('/api/…')"]);
  });
});
