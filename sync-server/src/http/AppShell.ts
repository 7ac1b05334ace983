import fs from 'node:fs';
import { inlineScriptHashes } from './securityHeaders/index.ts';

export interface ShellPage {
  readonly html: string;
  /** CSP hash sources of its inline scripts (SvelteKit's bootstrap). */
  readonly scriptHashes: readonly string[];
}

/**
 * The built app's `index.html` (the SPA fallback) as it is on disk now: a deploy or a
 * `pnpm build` may replace it while the server runs, and its inline bootstrap script (whose
 * hash the Content-Security-Policy names) changes with every build. Read again only when
 * the file changed.
 */
export class AppShell {
  #cached: { mtimeMs: number; size: number; page: ShellPage } | null = null;

  constructor(readonly file: string) {}

  /** The page, or null when the app is not built. */
  page(): ShellPage | null {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(this.file);
    } catch {
      return null;
    }
    const cached = this.#cached;
    if (cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) return cached.page;
    const html = fs.readFileSync(this.file, 'utf8');
    const page = { html, scriptHashes: inlineScriptHashes(html) };
    this.#cached = { mtimeMs: stat.mtimeMs, size: stat.size, page };
    return page;
  }

  /** The inline script hashes of the current page; none when the app is not built. */
  scriptHashes(): readonly string[] {
    return this.page()?.scriptHashes ?? [];
  }
}
