import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The folder tree is the architecture (STYLE.md): each folder of sync-server/src is one
 * concern, and the folders form a one-way graph — plumbing (http/, db/, log/, …) at the
 * bottom, identity/ above it, the features above that, the composition root (createServer.ts,
 * Services.ts) on top. A cycle between two folders means neither can be read, tested or
 * replaced without the other, so this test fails on any.
 *
 * The graph counts every import of production code, type-only imports included (a type
 * import couples two folders as much as a value import does). Tests (`*.test.ts`) and
 * `testing/` are left out: nothing imports them, so they sit above everything and cannot
 * close a cycle; a test may use any folder it needs. Files directly in src/ (the composition
 * root and its context) are nodes of their own.
 */
const SRC = path.dirname(fileURLToPath(import.meta.url));

interface SourceFile {
  readonly file: string;
  readonly specifiers: string[];
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

const IMPORT =
  /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;

function read(file: string): SourceFile {
  const text = fs.readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(IMPORT)]
    .map((m) => m[1] ?? m[2] ?? m[3] ?? '')
    .filter((s) => s.startsWith('.'));
  return { file, specifiers };
}

/** `auth/loginRoutes.ts` → `auth`; `createServer.ts` → `createServer.ts`. */
function nodeOf(file: string): string {
  const parts = path.relative(SRC, file).split(path.sep);
  return parts[0] ?? file;
}

const isTestCode = (file: string) => file.endsWith('.test.ts') || nodeOf(file) === 'testing';

const production = sourceFiles(SRC)
  .filter((file) => !isTestCode(file))
  .map(read);

/** from → to → one import that makes the edge (for the failure message). */
function folderGraph(files: readonly SourceFile[]): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const { file, specifiers } of files) {
    const from = nodeOf(file);
    for (const specifier of specifiers) {
      const target = path.resolve(path.dirname(file), specifier);
      if (path.relative(SRC, target).startsWith('..')) continue; // another package
      const to = nodeOf(target);
      if (to === from) continue;
      const edges = graph.get(from) ?? new Map<string, string>();
      if (!edges.has(to)) edges.set(to, `${path.relative(SRC, file)} imports ${specifier}`);
      graph.set(from, edges);
    }
  }
  return graph;
}

/** Every strongly connected set of more than one node (Tarjan), each listed with its edges. */
function cycles(graph: Map<string, Map<string, string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (node: string) => {
    index.set(node, next);
    low.set(node, next);
    next += 1;
    stack.push(node);
    onStack.add(node);
    for (const to of graph.get(node)?.keys() ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node)!, index.get(to)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) {
        const inside = new Set(component);
        found.push(
          component
            .sort()
            .flatMap((from) =>
              [...(graph.get(from) ?? [])]
                .filter(([to]) => inside.has(to))
                .map(([to, why]) => `${from} → ${to} (${why})`),
            ),
        );
      }
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

describe('the folder graph of sync-server/src', () => {
  it('has no cycle between folders (type imports included)', () => {
    expect(cycles(folderGraph(production))).toEqual([]);
  });

  it('finds a cycle when there is one (the check itself works)', () => {
    const a = path.join(SRC, 'a', 'x.ts');
    const b = path.join(SRC, 'b', 'y.ts');
    const graph = folderGraph([
      { file: a, specifiers: ['../b/y.ts'] },
      { file: b, specifiers: ['../a/x.ts'] },
    ]);
    expect(cycles(graph)).toEqual([
      ['a → b (a/x.ts imports ../b/y.ts)', 'b → a (b/y.ts imports ../a/x.ts)'],
    ]);
  });

  it('never imports test code from production code', () => {
    const offenders = production.flatMap(({ file, specifiers }) =>
      specifiers
        .map((s) => path.resolve(path.dirname(file), s))
        .filter((target) => !path.relative(SRC, target).startsWith('..') && isTestCode(target))
        .map((target) => `${path.relative(SRC, file)} → ${path.relative(SRC, target)}`),
    );
    expect(offenders).toEqual([]);
  });
});

/**
 * Routes call stores and services, never SQL: a route that writes SQL ties the HTTP surface
 * to SQLite and duplicates what a store already does (sign-up, invitations and the CLI each
 * had their own `INSERT INTO users`). Stores (`*Store.ts`, …) are where SQL lives.
 */
describe('routes and middleware', () => {
  const SQL =
    /\b(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|SELECT\s[\s\S]*?\sFROM|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b|\.prepare\s*(?:<[^>]*>)?\s*\(|\bdb\.exec\s*\(|\.transaction\s*\(/;
  const routeFiles = production.filter(({ file }) =>
    /(?:Routes|Webhook|middleware|mePayload|memberRequest)\.ts$/.test(file),
  );

  it('are found (the check below reads real files)', () => {
    expect(routeFiles.map(({ file }) => path.relative(SRC, file))).toContain(
      path.join('auth', 'signupRoutes.ts'),
    );
  });

  it('hold no SQL and open no transaction themselves', () => {
    const offenders = routeFiles
      .filter(({ file }) => SQL.test(fs.readFileSync(file, 'utf8')))
      .map(({ file }) => path.relative(SRC, file));
    expect(offenders).toEqual([]);
  });

  it('the SQL check recognises SQL', () => {
    expect(SQL.test("db.prepare('UPDATE users SET name = ? WHERE id = ?')")).toBe(true);
    expect(SQL.test('`INSERT INTO users (id) VALUES (?)`')).toBe(true);
    expect(SQL.test('users.create({ email })')).toBe(false);
  });
});

/**
 * SQL and the database handle live in stores: a file named `*Store.ts` / `Sqlite*.ts`, a
 * file that declares an `export class Sqlite…` (the store interface's SQLite side), `db/`
 * (connection, migrations, transactions) and `backup/` (file-level copies of the database).
 * Nothing else prepares statements, opens transactions or reaches for `ctx.db`: a service
 * takes the stores it needs, so a PostgreSQL store can stand in for the SQLite one.
 */
describe('the database', () => {
  const DB_USE = /\.prepare\s*(?:<[^>]*>)?\s*\(|\bctx\.db\b|\bdb\.exec\s*\(|\.transaction\s*\(/;
  const isStoreFile = (file: string, text: string) =>
    /(?:Store|^Sqlite\w*)\.ts$/.test(path.basename(file)) ||
    ['db', 'backup'].includes(nodeOf(file)) ||
    /^export class Sqlite\w+/m.test(text);

  const touching = production
    .filter(({ file }) => {
      const text = fs.readFileSync(file, 'utf8');
      return DB_USE.test(text) && !isStoreFile(file, text);
    })
    .map(({ file }) => path.relative(SRC, file).split(path.sep).join('/'));

  it('is touched only by stores', () => {
    expect(touching).toEqual([]);
  });

  it('the check recognises the database', () => {
    expect(DB_USE.test("this.db.prepare('SELECT 1')")).toBe(true);
    expect(DB_USE.test('Subscriptions.get(ctx.db, id)')).toBe(true);
    expect(DB_USE.test('db.transaction(() => x)()')).toBe(true);
    expect(DB_USE.test('services.workspaces.byId(id)')).toBe(false);
  });
});
