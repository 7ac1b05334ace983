/**
 * Constants of workspace export (issue 16), without zod, so the web app can use them.
 * The REST bodies and the archive format's schemas are in `rest/exports.ts`.
 */

/** Version of the zip layout and its JSON files. A reader refuses a version it does not know. */
export const EXPORT_FORMAT_VERSION = 1;

export const ExportStates = ['queued', 'running', 'ready', 'failed', 'expired'] as const;
export type ExportState = (typeof ExportStates)[number];
