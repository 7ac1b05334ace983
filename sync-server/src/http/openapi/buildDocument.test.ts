import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InviteRequest, InvitationResponse, Me, WorkspaceMember } from '@desk/protocol/rest';
import { buildDocument } from './buildDocument.ts';
import { ok, raw, type RouteDoc } from './routeDoc.ts';

const options = {
  publicUrl: 'http://desk.test',
  sessionCookie: 'desk_session',
  bodyLimitBytes: 16384,
};

type Operation = {
  security: unknown[];
  parameters?: { name: string; in: string; required: boolean }[];
  requestBody?: { required: boolean; content: Record<string, { schema: unknown }> };
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
};
type Document = {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Record<string, unknown>> };
};

const build = (...routes: RouteDoc[]) => buildDocument([routes], options) as Document;

const invite: RouteDoc = {
  method: 'post',
  path: '/api/workspaces/{slug}/invitations',
  summary: 'Invite.',
  auth: 'manager',
  body: InviteRequest,
  responses: { 201: ok('Sent.', InvitationResponse), 409: '`already_member`.' },
};

describe('the OpenAPI document built from route tables', () => {
  it('names each body after its protocol export and refers to it', () => {
    const operation = build(invite).paths['/api/workspaces/{slug}/invitations']!.post!;
    expect(operation.requestBody?.content['application/json']?.schema).toEqual({
      $ref: '#/components/schemas/InviteRequest',
    });
    expect(operation.responses['201']?.content?.['application/json']?.schema).toEqual({
      $ref: '#/components/schemas/InvitationResponse',
    });
  });

  it('writes requests as clients send them and responses as the server answers, strictly', () => {
    const { schemas } = build(invite).components;
    expect(schemas.InviteRequest?.required).toEqual(['email', 'role']);
    expect(schemas.InviteRequest?.additionalProperties).toBeUndefined();
    expect(schemas.InvitationResponse?.additionalProperties).toBe(false);
  });

  it('includes every schema a body refers to, and refers to it by name', () => {
    const { schemas } = build({
      method: 'get',
      path: '/api/workspaces/{slug}',
      summary: 'One workspace.',
      auth: 'member',
      responses: { 200: ok('The caller.', Me) },
    }).components;
    expect(Object.keys(schemas)).toEqual(
      expect.arrayContaining(['Me', 'UserWorkspace', 'ErrorBody']),
    );
    expect(JSON.stringify(schemas.Me)).toContain('"#/components/schemas/UserWorkspace"');
  });

  it('adds the refusals and the security of the kind of caller, route answers first', () => {
    const operation = build(invite).paths['/api/workspaces/{slug}/invitations']!.post!;
    expect(Object.keys(operation.responses).sort()).toEqual(
      ['201', '401', '403', '404', '409', '413'].sort(),
    );
    expect(operation.responses['409']?.content?.['application/json']?.schema).toEqual({
      $ref: '#/components/schemas/ErrorBody',
    });
    expect(operation.security).toEqual([{ session: [] }]);
    expect(operation.parameters).toEqual([
      { name: 'slug', in: 'path', required: true, schema: { type: 'string' } },
    ]);
  });

  it('documents 413 only where a body is taken, and bytes as binary', () => {
    const document = build(
      {
        method: 'post',
        path: '/api/workspaces/{slug}/blobs',
        summary: 'Upload.',
        auth: 'member',
        body: { raw: 'application/octet-stream', description: 'The bytes.' },
        responses: { 201: raw('Stored.') },
      },
      {
        method: 'get',
        path: '/api/host',
        summary: 'Host.',
        auth: 'public',
        responses: { 200: raw('The bytes.', 'image/webp') },
      },
    );
    const upload = document.paths['/api/workspaces/{slug}/blobs']!.post!;
    expect(upload.responses['413']).toBeDefined();
    expect(upload.requestBody?.content['application/octet-stream']?.schema).toEqual({
      type: 'string',
      format: 'binary',
    });
    const host = document.paths['/api/host']!.get!;
    expect(host.responses['413']).toBeUndefined();
    expect(host.security).toEqual([]);
  });

  it('takes query parameters from the query schema, required unless optional', () => {
    const operation = build({
      method: 'get',
      path: '/api/things',
      summary: 'Things.',
      auth: 'user',
      query: z.object({ q: z.string(), page: z.coerce.number().int().optional() }),
      responses: { 200: ok('Them.', WorkspaceMember) },
    }).paths['/api/things']!.get!;
    expect(operation.parameters?.map((p) => [p.name, p.in, p.required])).toEqual([
      ['q', 'query', true],
      ['page', 'query', false],
    ]);
  });

  it('refuses a body that is not a protocol export, and a route listed twice', () => {
    expect(() => build({ ...invite, body: z.object({ email: z.string() }) })).toThrow(
      /exported by @desk\/protocol\/rest/,
    );
    expect(() => build(invite, invite)).toThrow(/two route tables/);
  });
});
