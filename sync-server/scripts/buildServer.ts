import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type BuildOptions } from 'esbuild';
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
