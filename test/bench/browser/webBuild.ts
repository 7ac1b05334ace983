import fs from 'node:fs';
import path from 'node:path';

/** The built web app (`pnpm build`), which the server serves to the browser. */
export const webBuildDir = path.resolve(import.meta.dirname, '../../../web/build');

export function assertWebBuilt(): void {
  if (!fs.existsSync(path.join(webBuildDir, 'index.html'))) {
    throw new Error(`no web build at ${webBuildDir}: run \`pnpm build\` first`);
  }
}
