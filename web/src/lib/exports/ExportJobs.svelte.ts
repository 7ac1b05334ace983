import type { ExportSummary } from '@desk/protocol';
import { exportApi } from '$lib/api/exportApi.ts';
import { ApiError } from '$lib/api/api.ts';

/** How often the list is asked again while an export is being built, in ms. */
const POLL_MS = 1_500;

/**
 * The workspace's exports as the Settings page shows them: the list, a new export, and the
 * progress of a running one, asked again every POLL_MS until it is ready (or failed).
 * Polling stops when the page goes (`destroy`).
 */
export class ExportJobs {
  exports = $state<ExportSummary[] | null>(null);
  error = $state<string | null>(null);
  requesting = $state(false);
  #timer: ReturnType<typeof setTimeout> | null = null;
  #destroyed = false;

  constructor(readonly slug: string) {}

  /** The export being built now, if any. */
  get running(): ExportSummary | null {
    return this.exports?.find((e) => e.state === 'queued' || e.state === 'running') ?? null;
  }

  async load(): Promise<void> {
    try {
      this.exports = (await exportApi.list(this.slug)).exports;
      this.error = null;
    } catch (err) {
      this.error = err instanceof ApiError ? err.message : 'The exports could not be loaded.';
    }
    this.#schedule();
  }

  async request(): Promise<void> {
    this.requesting = true;
    try {
      const { export: created } = await exportApi.request(this.slug);
      this.exports = [created, ...(this.exports ?? [])];
      this.error = null;
    } catch (err) {
      this.error = err instanceof ApiError ? err.message : 'The export could not be started.';
    } finally {
      this.requesting = false;
    }
    this.#schedule();
  }

  downloadUrl(id: string): string {
    return exportApi.downloadUrl(this.slug, id);
  }

  destroy(): void {
    this.#destroyed = true;
    if (this.#timer) clearTimeout(this.#timer);
  }

  #schedule(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#destroyed || !this.running) return;
    this.#timer = setTimeout(() => void this.load(), POLL_MS);
  }
}
