import { z } from 'zod';
import { WorkspaceUsageResponse } from '@desk/protocol/rest';
import { error, json } from '../http/openApiParts.ts';

const { $schema: _ignored, ...usageSchema } = z.toJSONSchema(WorkspaceUsageResponse, {
  io: 'output',
});

/** `GET /api/workspaces/{slug}/usage` as an OpenAPI 3.1 fragment; the body schema is the protocol's zod schema. */
export const usageOpenApi = {
  paths: {
    '/api/workspaces/{slug}/usage': {
      get: {
        summary:
          'The workspace’s use of each limit of its plan (largest document against the per-document limit, attachment storage, seats, tickets), documents’ total size, and whether a new ticket fits now. Members only.',
        parameters: [{ name: 'slug', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          '200': json('The usage.', usageSchema),
          '401': error('Not authenticated.'),
          '404': error(
            '`not_found`: no such workspace, or the caller is not a member (indistinguishable).',
          ),
        },
      },
    },
  },
};
