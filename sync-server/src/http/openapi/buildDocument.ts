import { z } from 'zod';
import * as rest from '@desk/protocol/rest';
import { isRawBody, type RouteAuth, type RouteDoc } from './routeDoc.ts';

type JsonSchema = Record<string, unknown>;
type Security = readonly Record<string, readonly string[]>[];

const SESSION: Security = [{ session: [] }];
const SESSION_OR_TOKEN: Security = [{ session: [] }, { bearer: [] }];
const NOT_AUTHENTICATED =
  'Not authenticated: `unauthenticated`, `session_expired`, `token_invalid`, `token_expired`.';
const NOT_A_MEMBER =
  '`not_found`: no such workspace, or the caller is not a member (indistinguishable).';

/** What each kind of caller needs, and how the server refuses the others. */
const AUTH: Record<RouteAuth, { security: Security; responses: Record<number, string> }> = {
  public: { security: [], responses: {} },
  user: {
    security: SESSION_OR_TOKEN,
    responses: {
      401: NOT_AUTHENTICATED,
      403: '`account_suspended`, `terms_not_accepted`, or `foreign_origin` (Origin does not match PUBLIC_URL).',
    },
  },
  session: {
    security: SESSION,
    responses: {
      401: NOT_AUTHENTICATED,
      403: '`forbidden` (an access token: this needs a browser session), `account_suspended`, or `foreign_origin`.',
    },
  },
  member: {
    security: SESSION_OR_TOKEN,
    responses: { 401: NOT_AUTHENTICATED, 404: NOT_A_MEMBER },
  },
  manager: {
    security: SESSION,
    responses: {
      401: NOT_AUTHENTICATED,
      403: '`forbidden`: owners and admins only, with a browser session.',
      404: NOT_A_MEMBER,
    },
  },
  owner: {
    security: SESSION,
    responses: {
      401: NOT_AUTHENTICATED,
      403: '`forbidden`: the owner only, with a browser session.',
      404: NOT_A_MEMBER,
    },
  },
  operator: {
    security: SESSION,
    responses: {
      401: NOT_AUTHENTICATED,
      403: '`forbidden`: platform operators only, with a browser session.',
    },
  },
  signed: { security: [{ billingSignature: [] }], responses: {} },
};

/** Schemas written out where used rather than as a component of their own. */
const INLINE = new Set<string>(['Millis', 'EmptyRequest']);

const componentUri = (name: string) => `#/components/schemas/${name}`;

/** The protocol's exported name of every REST schema: the component it becomes. */
function protocolSchemaNames(): Map<z.ZodType, string> {
  const names = new Map<z.ZodType, string>();
  for (const [name, value] of Object.entries(rest)) {
    if (value instanceof z.ZodType && !INLINE.has(name)) names.set(value, name);
  }
  return names;
}

export interface DocumentOptions {
  readonly publicUrl: string;
  readonly sessionCookie: string;
  /** The body limit most routes have, for the 413 every body-taking operation documents. */
  readonly bodyLimitBytes: number;
}

/**
 * The OpenAPI 3.1 document of the route tables. Request and response bodies must be
 * schemas exported by `@desk/protocol/rest`: each becomes a component under its exported
 * name (requests as clients write them, responses as the server answers), so the document,
 * the server's validation and the web app's types cannot differ.
 */
export function buildDocument(
  tables: readonly (readonly RouteDoc[])[],
  options: DocumentOptions,
): Record<string, unknown> {
  const routes = tables.flat();
  const names = protocolSchemaNames();
  const nameOf = (schema: z.ZodType, route: RouteDoc): string => {
    const name = names.get(schema);
    if (!name) {
      throw new Error(
        `${route.method} ${route.path}: bodies must be schemas exported by @desk/protocol/rest`,
      );
    }
    return name;
  };
  const requests = new Set<string>();
  const responses = new Set<string>(['ErrorBody']);
  for (const route of routes) {
    if (route.body && !isRawBody(route.body)) requests.add(nameOf(route.body, route));
    for (const response of Object.values(route.responses)) {
      if (typeof response !== 'string' && response.kind === 'json') {
        responses.add(nameOf(response.schema, route));
      }
    }
  }
  for (const name of requests) {
    if (responses.has(name)) throw new Error(`${name} is used as a request and as a response`);
  }
  const schemas = {
    ...components(names, requests, 'input'),
    ...components(names, responses, 'output'),
  };

  const paths: Record<string, Record<string, unknown>> = {};
  const seen = new Set<string>();
  for (const route of routes) {
    const key = `${route.method} ${route.path}`;
    if (seen.has(key)) throw new Error(`${key} is in two route tables`);
    seen.add(key);
    paths[route.path] = { ...paths[route.path], [route.method]: operation(route) };
  }

  function operation(route: RouteDoc): JsonSchema {
    const auth = AUTH[route.auth];
    const parameters = [
      ...[...route.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
        name,
        in: 'path',
        required: true,
        schema: { type: 'string' },
      })),
      ...Object.entries(route.query?.shape ?? {}).map(([name, schema]) => ({
        name,
        in: 'query',
        required: !(schema as z.ZodType).safeParse(undefined).success,
        schema: clean(z.toJSONSchema(schema as z.ZodType, { io: 'input' })),
      })),
      ...(route.headers ?? []).map((h) => ({
        name: h.name,
        in: 'header',
        required: h.required ?? false,
        description: h.description,
        schema: { type: 'string' },
      })),
    ];
    const byStatus: Record<string, unknown> = {};
    // Every body is capped (http/bodyLimit): each operation that takes one can answer 413.
    const tooLarge: Record<number, string> = route.body
      ? { 413: bodyTooLarge(options.bodyLimitBytes) }
      : {};
    const all = { ...tooLarge, ...auth.responses, ...route.responses };
    for (const [status, response] of Object.entries(all)) {
      if (typeof response === 'string') {
        byStatus[status] = json(response, 'ErrorBody');
      } else if (response.kind === 'json') {
        byStatus[status] = json(response.description, nameOf(response.schema, route));
      } else {
        byStatus[status] = {
          description: response.description,
          ...(response.mediaType
            ? {
                content: { [response.mediaType]: { schema: { type: 'string', format: 'binary' } } },
              }
            : {}),
        };
      }
    }
    return {
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      security: auth.security,
      ...(parameters.length ? { parameters } : {}),
      ...(route.body ? { requestBody: requestBody(route, route.body) } : {}),
      responses: byStatus,
    };
  }

  function requestBody(route: RouteDoc, body: NonNullable<RouteDoc['body']>): JsonSchema {
    if (isRawBody(body)) {
      return {
        required: true,
        description: body.description,
        content: { [body.raw]: { schema: { type: 'string', format: 'binary' } } },
      };
    }
    return {
      required: !route.bodyOptional,
      content: { 'application/json': { schema: { $ref: componentUri(nameOf(body, route)) } } },
    };
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'Service Desk API',
      version: '1',
      description:
        'REST API for everything that is not in the Yjs documents. Browser sessions use the ' +
        'session cookie and must send an Origin matching the server; scripts use a personal ' +
        'access token as `Authorization: Bearer <token>`. Errors are `{ error: { code, message } }`. ' +
        'Generated from the route tables and the zod schemas of @desk/protocol.',
    },
    servers: [{ url: options.publicUrl }],
    paths,
    components: {
      schemas,
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: options.sessionCookie },
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'Personal access token (desk_pat_…).',
        },
        billingSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Billing-Signature',
          description: '`t=<unix s>,v1=<hex HMAC-SHA256 of "t.body">`; see billing/WEBHOOK.md.',
        },
      },
    },
  };
}

const json = (description: string, name: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: componentUri(name) } } },
});

const bodyTooLarge = (bytes: number) =>
  `\`payload_too_large\`: the body is over this route's limit (${bytes / 1024} KiB unless ` +
  'the route says otherwise); refused while reading, or at once from Content-Length.';

/** The named schemas as components, referring to each other by `$ref`. */
function components(
  names: ReadonlyMap<z.ZodType, string>,
  wanted: ReadonlySet<string>,
  io: 'input' | 'output',
): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  // Every named schema is registered, so one nested in another becomes a `$ref` to it.
  for (const [schema, name] of names) registry.add(schema, { id: name });
  const { schemas } = z.toJSONSchema(registry, { io, uri: componentUri });
  const out: Record<string, JsonSchema> = {};
  const reachable = [...wanted];
  for (let i = 0; i < reachable.length; i++) {
    const name = reachable[i]!;
    const schema = schemas[name];
    if (!schema) throw new Error(`no schema ${name}`);
    out[name] = clean(schema) as JsonSchema;
    for (const [, ref] of JSON.stringify(schema).matchAll(/"#\/components\/schemas\/(\w+)"/g)) {
      if (!reachable.includes(ref!)) reachable.push(ref!);
    }
  }
  return out;
}

const SAFE_INT_BOUNDS = new Set([Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]);

/** Drops what JSON Schema output adds that an OpenAPI component does not need. */
function clean(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clean);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (key === '$schema' || key === '$id') continue;
    if ((key === 'minimum' || key === 'maximum') && SAFE_INT_BOUNDS.has(inner as number)) continue;
    out[key] = clean(inner);
  }
  return out;
}
