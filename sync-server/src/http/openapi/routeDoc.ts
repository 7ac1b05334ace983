import type { z } from 'zod';

/**
 * One REST route as the OpenAPI document describes it. Each module keeps a table of these
 * beside its routes (`<module>/openapi.ts`); `http/openapi.ts` lists the tables and builds
 * the document from them, so bodies come from the same zod schemas (`@desk/protocol/rest`)
 * the routes validate with and the web app's types are inferred from.
 */
export interface RouteDoc {
  readonly method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** OpenAPI style: `/api/workspaces/{slug}`; every `{name}` is a string path parameter. */
  readonly path: string;
  readonly summary: string;
  readonly description?: string;
  /** Who may call it; adds the security requirement and the usual refusals (see `AUTH`). */
  readonly auth: RouteAuth;
  /** Query parameters, one per key of the object. */
  readonly query?: z.ZodObject;
  /** A JSON body (validated with this schema), or raw bytes. */
  readonly body?: z.ZodType | RawBody;
  /** Whether the JSON body may be left out (`{}` is assumed then). */
  readonly bodyOptional?: boolean;
  /** Header parameters the route reads. */
  readonly headers?: readonly { name: string; description: string; required?: boolean }[];
  /** By status: a JSON answer (`ok`), another answer (`raw`), or an error's description. */
  readonly responses: Readonly<Record<number, RouteResponse | string>>;
}

export type RouteAuth =
  /** Anyone, logged in or not. */
  | 'public'
  /** A browser session or an access token. */
  | 'user'
  /** A browser session only (access tokens are refused). */
  | 'session'
  /** A member of the workspace `{slug}` (session or token of that workspace). */
  | 'member'
  /** An owner or admin of `{slug}`, with a browser session. */
  | 'manager'
  /** The owner of `{slug}`, with a browser session. */
  | 'owner'
  /** A platform operator, with a browser session. */
  | 'operator'
  /** The billing provider: a signed request, no login. */
  | 'signed';

export interface RawBody {
  readonly raw: string;
  readonly description: string;
}

export type RouteResponse =
  | { readonly kind: 'json'; readonly description: string; readonly schema: z.ZodType }
  | { readonly kind: 'raw'; readonly description: string; readonly mediaType?: string };

/** A JSON answer with its schema. */
export const ok = (description: string, schema: z.ZodType): RouteResponse => ({
  kind: 'json',
  description,
  schema,
});

/** An answer that is not JSON (bytes, an image) or has no body (`mediaType` left out). */
export const raw = (description: string, mediaType?: string): RouteResponse =>
  mediaType === undefined ? { kind: 'raw', description } : { kind: 'raw', description, mediaType };

export const isRawBody = (body: RouteDoc['body']): body is RawBody =>
  body !== undefined && 'raw' in body;
