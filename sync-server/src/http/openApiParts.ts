import { z } from 'zod';

/**
 * Building blocks of the OpenAPI fragments each module keeps beside its routes (merged in
 * `openapi.ts`): request bodies come from the zod schemas the routes validate with, errors
 * are the shared `ErrorBody`.
 */
export type JsonSchema = Record<string, unknown>;

export function body(schema: z.ZodType): {
  required: true;
  content: { 'application/json': { schema: JsonSchema } };
} {
  const { $schema: _ignored, ...json } = z.toJSONSchema(schema, { io: 'input' });
  return { required: true, content: { 'application/json': { schema: json } } };
}

export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

export const json = (description: string, schema: JsonSchema = { type: 'object' }) => ({
  description,
  content: { 'application/json': { schema } },
});

export const error = (description: string) => json(description, ref('ErrorBody'));
