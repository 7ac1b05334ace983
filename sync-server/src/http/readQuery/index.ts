import type { Context } from 'hono';
import type { z } from 'zod';
import { AppError } from '../AppError.ts';

/**
 * Parses the query string with `schema` at the edge — the schema the route's OpenAPI row
 * documents — and throws validation_failed with one sentence per parameter otherwise. A
 * parameter given twice counts as its first value (`c.req.query()`).
 */
export function readQuery<S extends z.ZodType>(
  c: Context,
  schema: S,
  message = 'The query parameters are not valid.',
): z.infer<S> {
  const parsed = schema.safeParse(c.req.query());
  if (!parsed.success) {
    const fields: Record<string, string> = {};
    for (const issue of parsed.error.issues) {
      fields[issue.path.map(String).join('.') || 'query'] ??= issue.message;
    }
    throw AppError.badRequest(message, fields);
  }
  return parsed.data;
}
