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
  // By name, and by content: any file that installs a route or middleware on the app.
  const INSTALLS = /\bapp\.(?:get|post|put|patch|delete|use|on|all|route)\s*\(/;
  const routeFiles = production.filter(
    ({ file }) =>
      /(?:Routes?|Webhook|middleware|mePayload|memberRequest)\.ts$/.test(file) ||
      INSTALLS.test(fs.readFileSync(file, 'utf8')),
  );

  it('are found (the check below reads real files)', () => {
    const found = routeFiles.map(({ file }) => path.relative(SRC, file));
    expect(found).toContain(path.join('auth', 'signupRoutes.ts'));
    // Found by what they do, whatever their name.
    expect(found).toContain(path.join('search', 'firstPageRoute.ts'));
    expect(found).toContain(path.join('http', 'health.ts'));
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
 * The composition root: the files that build stores and services and hand them out. Only
 * they may pass the database handle on or construct a store.
 */
const COMPOSITION = new Map<string, string>([
  ['createServer.ts', 'the server'],
  ['Services.ts', 'every store and service, once'],
  ['SyncServices.ts', 'what needs the sync engine, once'],
  ['clusterServices.ts', "a cluster process's PostgreSQL control plane and Redis parts"],
  [
    'workspaces/workspaceStores.ts',
    'the workspace-side stores wired to each other (createServices)',
  ],
  ['mail/createMailer.ts', 'SMTP or the outbox table, chosen by config (createServices)'],
  ['blobs/blobStorageFor.ts', 'disk, S3 or PostgreSQL, chosen by config (createServer)'],
  ['cli/', 'the operator CLI: a process of its own with its own composition'],
]);
const inComposition = (relative: string) =>
  [...COMPOSITION.keys()].some((key) =>
    key.endsWith('/') ? relative.startsWith(key) : relative === key,
  );
const relativeOf = (file: string) => path.relative(SRC, file).split(path.sep).join('/');

/**
 * SQL and the database handle live in stores: a file named `*Store.ts` / `Sqlite*.ts`, a
 * file that declares an `export class Sqlite…` (the store interface's SQLite side) or an
 * `export class Sql… implements Async…` (its side on the SQL seam), `db/`
 * (connection, migrations, transactions) and `backup/` (file-level copies of the database).
 * Nothing else prepares statements, opens transactions or reaches for the handle (`ctx.db`,
 * `deps.db`): a service takes the stores it needs, so a PostgreSQL store can stand in for
 * the SQLite one. The composition root hands the handle to the stores it builds.
 */
describe('the database', () => {
  // The handle itself, however it was handed over (`ctx.db`, `deps.db`, `services.db`, …).
  const DB_USE =
    /\.prepare\s*(?:<[^>]*>)?\s*\(|\b(?!this\b)\w+\.db\b|\bdb\.exec\s*\(|\.transaction\s*\(/;
  const isStoreFile = (file: string, text: string) =>
    /(?:Store|^Sqlite\w*)\.ts$/.test(path.basename(file)) ||
    ['db', 'backup'].includes(nodeOf(file)) ||
    /^export class Sqlite\w+/m.test(text) ||
    // A store on the SQL seam (store/sql/), e.g. SqlBlobQuota: its SQL is the store's.
    /^export class Sql\w+ implements Async\w+/m.test(text);

  const touching = production
    .filter(({ file }) => {
      const text = fs.readFileSync(file, 'utf8');
      return DB_USE.test(text) && !isStoreFile(file, text) && !inComposition(relativeOf(file));
    })
    .map(({ file }) => relativeOf(file));

  it('is touched only by stores', () => {
    expect(touching).toEqual([]);
  });

  it('the check recognises the database', () => {
    expect(DB_USE.test("this.db.prepare('SELECT 1')")).toBe(true);
    expect(DB_USE.test('Subscriptions.get(ctx.db, id)')).toBe(true);
    expect(DB_USE.test('db.transaction(() => x)()')).toBe(true);
    expect(DB_USE.test('new SnapshotStore(deps.db)')).toBe(true);
    expect(DB_USE.test('services.workspaces.byId(id)')).toBe(false);
  });
});

/**
 * No store built twice (issue 14: `new SessionStore(ctx)` stood in four places): a store —
 * a class declared in a store file (see above), errors aside — is constructed only by the
 * composition root, which builds each once and passes it on. Anything else that needs a
 * store is given it.
 */
describe('stores', () => {
  // Stores of the database (a blob store keeps files, not rows: blobStorageFor picks it).
  const storeFiles = production.filter(({ file }) => {
    const text = fs.readFileSync(file, 'utf8');
    return (
      (/(?:Store|^Sqlite\w*)\.ts$/.test(path.basename(file)) ||
        /^export class Sqlite\w+/m.test(text)) &&
      /\bdb\b/.test(text)
    );
  });
  const storeClasses = new Set(
    storeFiles.flatMap(({ file }) =>
      [...fs.readFileSync(file, 'utf8').matchAll(/^export class (\w+)/gm)]
        .map((m) => m[1]!)
        .filter((name) => !/(?:Error|TooEarly)$/.test(name)),
    ),
  );
  /** Where a store is built: `file → Class`. */
  const constructions = production.flatMap(({ file }) =>
    [...fs.readFileSync(file, 'utf8').matchAll(/\bnew (\w+)\s*[(<]/g)]
      .map((m) => m[1]!)
      .filter((name) => storeClasses.has(name))
      .map((name) => `${relativeOf(file)} → ${name}`),
  );

  it('are found (the check below reads real classes)', () => {
    expect(storeClasses).toContain('SqliteSessionStore');
    expect(storeClasses).toContain('SqliteRateLimiter');
    expect(storeClasses).toContain('SqliteAccessTokenStore');
    expect(constructions).toContain('Services.ts → SqliteSessionStore');
  });

  it('are built only by the composition root', () => {
    const outside = constructions.filter((c) => !inComposition(c.split(' → ')[0]!));
    // A snapshot's reader opens a read-only connection of its own per use (WAL snapshot
    // isolation) and reads it through the sync engine's store class.
    expect(
      outside.filter((c) => c !== 'snapshots/SqliteWorkspaceReader.ts → SqliteDocStore'),
    ).toEqual([]);
  });

  it('are each built once there', () => {
    const inRoot = constructions.filter((c) => {
      const file = c.split(' → ')[0]!;
      return inComposition(file) && !file.startsWith('cli/');
    });
    const twice = inRoot
      .map((c) => c.split(' → ')[1]!)
      .filter((name, i, all) => all.indexOf(name) !== i);
    expect(twice).toEqual([]);
  });
});

/**
 * http/ is plumbing, one folder per middleware or helper with its test beside it (Hono's
 * `src/middleware/<name>/index.ts` + `index.test.ts`).
 */
describe('http/', () => {
  const HTTP = path.join(SRC, 'http');
  const folders = fs
    .readdirSync(HTTP, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);

  it('has a test beside every middleware or helper folder', () => {
    expect(folders.length).toBeGreaterThan(5);
    const untested = folders.filter((name) => {
      const files = fs.readdirSync(path.join(HTTP, name));
      return !files.some((f) => f.endsWith('.test.ts'));
    });
    expect(untested).toEqual([]);
  });
});

/**
 * The documents' layout (root names, row fields) is @desk/model's: the server reads and
 * writes ticket, notice, channel and index docs through its classes (TicketDoc, NoticeDoc,
 * StoredIndex, …), never by naming a root itself. Code that walks any doc generically
 * (snapshot diff and restore) takes the root name as a value, not a literal.
 */
describe('the Yjs layout', () => {
  const LITERAL_ROOT = /\.get(?:Map|Array|Text|XmlFragment)\s*(?:<[^>]*>)?\(\s*['"`]/;
  it('is read through @desk/model, not by root names in the server', () => {
    const byHand = production
      .filter(({ file }) => LITERAL_ROOT.test(fs.readFileSync(file, 'utf8')))
      .map(({ file }) => relativeOf(file));
    expect(byHand).toEqual([]);
  });

  it('the check recognises a root named by hand', () => {
    expect(LITERAL_ROOT.test("doc.getXmlFragment('body')")).toBe(true);
    expect(LITERAL_ROOT.test('doc.getMap<unknown>(`${kind}s`)')).toBe(true);
    expect(LITERAL_ROOT.test('work.getMap(scope.root)')).toBe(false);
  });
});

/**
 * README.md's Architecture section draws sync-server/src top first, one or more folders a
 * line, and says each folder imports only folders drawn below it (or further right on its
 * line). A reader takes that drawing as the map, so it is checked against the imports: every
 * folder drawn, nothing drawn that is not there, and no folder importing one drawn above it.
 */
describe("README.md's drawing of sync-server/src", () => {
  const readme = fs.readFileSync(path.join(SRC, '..', '..', 'README.md'), 'utf8');
  const drawn = drawnFolders(readme);
  const folders = fs
    .readdirSync(SRC, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);

  it('draws every folder, once, and no folder that is not there', () => {
    expect([...drawn].sort()).toEqual([...folders].sort());
  });

  it('draws each folder above every folder it imports', () => {
    const graph = folderGraph(production);
    const upward = drawn.flatMap((from, i) =>
      [...(graph.get(from) ?? [])]
        .filter(([to]) => drawn.indexOf(to) >= 0 && drawn.indexOf(to) < i)
        .map(([to, why]) => `${from} → ${to} (${why})`),
    );
    expect(upward).toEqual([]);
  });

  it('reads the drawing (the check itself works)', () => {
    const sample = [
      '```',
      'sync-server/src/    text',
      '  main.ts index.ts    the process',
      '  sync/ auth/         rooms; the /api/auth routes',
      '                      auth/ mentioned again in a description',
      '  db/                 SQLite',
      'test/               system tests',
    ].join('\n');
    expect(drawnFolders(sample)).toEqual(['sync', 'auth', 'db']);
  });
});

/** The folders drawn under `sync-server/src/` in README.md, top first, left to right. */
function drawnFolders(readme: string): string[] {
  const lines = readme.split('\n');
  const start = lines.findIndex((line) => line.startsWith('sync-server/src/'));
  const names: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith(' ')) break; // the next top-level entry
    if (!/^ {2}\S/.test(line)) continue; // a description's continuation
    for (const token of line.trim().split(/\s+/)) {
      if (/^[a-z]\w*\/$/.test(token)) names.push(token.slice(0, -1));
      else if (!/^\w+\.ts$/.test(token)) break; // the description starts
    }
  }
  return names;
}
