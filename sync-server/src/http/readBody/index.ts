import type { Context } from 'hono';
import type { z } from 'zod';
import { AppError } from '../AppError.ts';

/**
 * Parses the JSON body with `schema` at the edge; throws validation_failed with one
 * sentence per field (keyed by its dotted path, e.g. `workspace.slug`) for the form.
 */
export async function readBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  let json: unknown;
  try {
    json = await c.req.json();
  } catch (err) {
    // A typed refusal while reading (the body limit's 413) stands; anything else is bad JSON.
    if (err instanceof AppError) throw err;
    throw AppError.badRequest('The request body must be JSON.');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const fields: Record<string, string> = {};
    for (const issue of parsed.error.issues) {
      const key = issue.path.map(String).join('.') || 'body';
      fields[key] ??= issue.message;
    }
    throw AppError.badRequest('Some fields are not valid.', fields);
  }
  return parsed.data;
}
