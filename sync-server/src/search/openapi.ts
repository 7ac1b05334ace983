import { z } from 'zod';
import { TicketSearchResponse } from '@desk/protocol/rest';
import { SEARCH_DEFAULT_LIMIT, SEARCH_MAX_LIMIT, SEARCH_QUERY_MAX_LENGTH } from '@desk/protocol';
import { error, json } from '../http/openApiParts.ts';

const { $schema: _ignored, ...responseSchema } = z.toJSONSchema(TicketSearchResponse, {
  io: 'output',
});

/** `GET /api/workspaces/{slug}/search` as an OpenAPI 3.1 fragment (schema from the protocol). */
export const searchOpenApi = {
  paths: {
    '/api/workspaces/{slug}/search': {
      get: {
        summary:
          'Full-text search over the workspace’s live tickets (title, number, requester, tags, description, comments and notes) on the server, for tickets this device does not hold. Every word must match, the last as a prefix; the input is words, never query syntax. Best match first. Members only.',
        parameters: [
          { name: 'slug', in: 'path', required: true, schema: { type: 'string' } },
          {
            name: 'q',
            in: 'query',
            required: false,
            schema: { type: 'string', maxLength: SEARCH_QUERY_MAX_LENGTH },
          },
          {
            name: 'limit',
            in: 'query',
            required: false,
            schema: {
              type: 'integer',
              minimum: 1,
              maximum: SEARCH_MAX_LIMIT,
              default: SEARCH_DEFAULT_LIMIT,
            },
          },
        ],
        responses: {
          '200': json('Hits: ticket id, number, title and a plain-text snippet.', responseSchema),
          '400': error('`validation_failed`: `q` too long or `limit` out of range.'),
          '401': error('Not authenticated.'),
          '404': error(
            '`not_found`: no such workspace, or the caller is not a member (indistinguishable).',
          ),
        },
      },
    },
  },
};
