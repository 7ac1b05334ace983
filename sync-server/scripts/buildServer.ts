import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { BUILT_WORKER_FILE } from '../src/offthread/HeavyYjs.ts';

const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = path.join(packageDir, 'src');
export const defaultOutDir = path.join(packageDir, 'dist');

/**
 * Left to Node's resolver at run time (from sync-server/node_modules: the output folder must
 * sit inside the package): native addons (better-sqlite3, @node-rs/argon2, sharp), esbuild (only
 * the TypeScript sources bundle the worker with it), ws's optional native helpers, and pino,
 * whose transports load files by path. Everything else, the workspace packages written in
 * TypeScript included, is bundled.
 */
const external = [
  'better-sqlite3',
  '@node-rs/argon2',
  'sharp',
  // Imported only when BLOB_S3_BUCKET is set (blobStorageFor): kept out of the bundle every start parses.
  '@aws-sdk/client-s3',
  'esbuild',
  'bufferutil',
  'utf-8-validate',
  'pino',
];

/** Files read at run time relative to the module, copied to the same place beside main.js. */
const assets = [
  // identity/commonPasswords.ts reads `./data/common-passwords.txt` from import.meta.url.
  { from: 'identity/data/common-passwords.txt', to: 'data/common-passwords.txt' },
  { from: 'identity/data/common-passwords.LICENSE', to: 'data/common-passwords.LICENSE' },
];

/**
 * The CommonJS packages among `external` that main.js loads with `require()` (the bundle's
 * banner makes one), not `import`. For an imported CommonJS module Node's ES module loader
 * reads its source and finds its named exports with cjs-module-lexer (WebAssembly): importing
 * better-sqlite3, @node-rs/argon2 and pino that way held 4.7 MiB more resident memory at
 * start than requiring them (issue 13's idle-RSS target; the compiled server, Node 20).
 */
const requiredExternals = ['better-sqlite3', '@node-rs/argon2', 'pino'];

/**
 * A static `import` of a package in `requiredExternals` resolves to a one-line CommonJS
 * module of the bundle, `module.exports = require('pkg')`, whose default and named bindings
 * esbuild's interop gives as the ES import had them. Dynamic imports stay as they were.
 */
const requireExternals: Plugin = {
  name: 'require-externals',
  setup(b) {
    const names = new Set(requiredExternals);
    b.onResolve({ filter: /^[@a-z]/ }, (args) => {
      if (!names.has(args.path)) return undefined;
      return args.kind === 'import-statement'
        ? { path: args.path, namespace: 'require-external' }
        : { path: args.path, external: true };
    });
    b.onLoad({ filter: /.*/, namespace: 'require-external' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

/**
 * zod's error messages in the ~50 languages it ships (`z.locales`, 290 KB of main.js) are
 * never used here: the server speaks English, zod's default. Only `en` stays in the bundle,
 * which parses and holds less at every start (main.js 1.40 -> 1.11 MB; 3.4 MiB less resident
 * memory at start).
 */
const zodEnglishOnly: Plugin = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]/.test(args.importer)
        ? {
            path: path.resolve(args.resolveDir, path.dirname(args.path), 'index.js'),
            namespace: 'zod-locales',
          }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: "export { default as en } from './en.js';",
      resolveDir: path.dirname(args.path),
      loader: 'js',
    }));
  },
};

const common: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  // Source paths in the maps relative to the output, so stack traces name src/ files.
  sourcesContent: false,
  external,
  // No comments, less text: V8 keeps a module's source in the heap, and one non-ASCII
  // character in a comment makes it keep the whole bundle as two-byte text (4.2 MiB of heap
  // for the 2 MB main.js, issue 13's idle memory). Names stay; the source maps map columns.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
};

/**
 * The production server: src/main.ts bundled into one ES module, `outDir/main.js` (run it
 * with `node --enable-source-maps`), and the off-thread worker beside it as
 * `heavyWorker.cjs`, where HeavyYjs looks for it. No TypeScript runs at run time.
 */
export async function buildServer(outDir: string = defaultOutDir): Promise<void> {
  fs.rmSync(outDir, { recursive: true, force: true });
  await build({
    ...common,
    entryPoints: { main: path.join(src, 'main.ts') },
    outdir: outDir,
    format: 'esm',
    // Dynamic imports become chunks loaded on first use. Without it the bundle hoists every
    // import of an external package to its top: `await import('./S3BlobStore.ts')` still
    // loaded the AWS SDK at every start (~12 MiB RSS) although no bucket was configured.
    splitting: true,
    chunkNames: '[name]-[hash]',
    plugins: [requireExternals, zodEnglishOnly],
    // CommonJS packages in the bundle (ws, nodemailer) call require() for Node's modules,
    // which an ES module does not have.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
  });
  await build({
    ...common,
    entryPoints: [path.join(src, 'worker', 'heavyWorker.ts')],
    outfile: path.join(outDir, BUILT_WORKER_FILE),
    format: 'cjs',
  });
  for (const asset of assets) {
    const to = path.join(outDir, asset.to);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(path.join(src, asset.from), to);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const outDir = process.argv[2] ? path.resolve(process.argv[2]) : defaultOutDir;
  const started = performance.now();
  await buildServer(outDir);
  console.log(
    `server built: ${path.relative(process.cwd(), outDir) || '.'} (${Math.round(performance.now() - started)} ms)`,
  );
}
