import { body, error, json, ref } from '../http/openApiParts.ts';
import { createTokenBody } from './accessTokenRoutes.ts';
import { loginBody, profileBody, termsBody } from './loginRoutes.ts';
import { changeBody, forgotBody, resetBody } from './passwordRoutes.ts';
import { signupBody, signupConfirmBody } from './signupRoutes.ts';
import { reportBody } from './unauthorizedUseRoutes.ts';

/**
 * The account routes as an OpenAPI 3.1 fragment (`paths` + `components.schemas`), for the
 * server's OpenAPI document to merge. Request bodies come from the same zod schemas the
 * routes validate with, so the document cannot drift from what is enforced;
 * `openapi.test.ts` checks every installed route is described.
 */
const noContent = { description: 'Done.' };

const common = {
  '401': error(
    'Not authenticated: `unauthenticated`, `session_expired`, `token_invalid`, `token_expired`.',
  ),
  '403': error(
    '`account_suspended`, `forbidden`, or `foreign_origin` (Origin does not match PUBLIC_URL).',
  ),
};
const limited = {
  '429': error('`rate_limited`; the Retry-After header and `retryAfter` say when to retry.'),
};
const invalid = { '400': error('`validation_failed` (with `fields`), or a more specific code.') };

const sessionOnly =
  'Needs a browser session (cookie `desk_session` and a matching Origin); access tokens are refused.';

export const authOpenApi = {
  paths: {
    '/api/auth/signup': {
      post: {
        summary: 'Sign up, step 1: check the form and mail a confirmation link.',
        description:
          'The same answer (202, same body, no cookie) whether or not the email has an account: a new address gets a single-use link valid 24 hours (`/signup/confirm#token=…`); the owner of an existing account gets a note instead. Nothing is created until the link is used.',
        requestBody: body(signupBody),
        responses: {
          '202': json('Check your email.', ref('SignupAccepted')),
          ...invalid,
          '409': error('`slug_taken` (the workspace address; never the email).'),
          ...limited,
        },
      },
    },
    '/api/auth/signup/confirm': {
      post: {
        summary:
          'Sign up, step 2: the emailed token creates the owner account, customer, first workspace and terms acceptance; logs in.',
        description:
          'Single use. `slug` replaces the workspace address from the form when that was taken in the meantime (`409 slug_taken`; the link stays valid).',
        requestBody: body(signupConfirmBody),
        responses: {
          '201': json('Signed up and logged in (sets the session cookie).', ref('Me')),
          '400': error(
            '`token_invalid` (unknown or used link), `token_expired`, or `validation_failed`.',
          ),
          '409': error('`slug_taken`, or `email_taken` when the address got an account meanwhile.'),
          ...limited,
        },
      },
    },
    '/api/auth/login': {
      post: {
        summary: 'Log in with email and password.',
        description:
          'Failed logins are throttled with growing delays, never a lock: per (account, client ' +
          'address), per address, and per account overall; a browser holding a known-device ' +
          'cookie (`desk_device`, set by a successful login) of the account answers only to its ' +
          'own failures. A completed password reset forgets the account’s failures.',
        requestBody: body(loginBody),
        responses: {
          '200': json('Logged in (sets the session cookie and the device cookie).', ref('Me')),
          '401': error('`invalid_credentials`.'),
          '403': error('`account_suspended`, `password_reset_required` or `foreign_origin`.'),
          '429': error(
            '`rate_limited`: this client must wait after too many failures (even with the right ' +
              'password); the Retry-After header and `retryAfter` give the seconds, which double ' +
              'with each further failure.',
          ),
        },
      },
    },
    '/api/auth/logout': {
      post: { summary: 'End this session (idempotent).', responses: { '204': noContent } },
    },
    '/api/auth/logout-everywhere': {
      post: {
        summary: 'End every session of the user.',
        description: sessionOnly,
        responses: {
          '200': json('Sessions ended.', {
            type: 'object',
            properties: { sessionsEnded: { type: 'integer' } },
          }),
          ...common,
        },
      },
    },
    '/api/auth/me': {
      get: {
        summary: 'The caller and their workspaces (a token sees only its own workspace).',
        security: [{ session: [] }, { bearer: [] }],
        responses: { '200': json('The caller.', ref('Me')), ...common },
      },
      patch: {
        summary: 'Update the profile.',
        description: sessionOnly,
        requestBody: body(profileBody),
        responses: { '200': json('Updated.', ref('Me')), ...invalid, ...common },
      },
    },
    '/api/auth/terms': {
      post: {
        summary:
          'Accept the terms version in force, or a published later one (recorded with time and client address).',
        description: sessionOnly,
        requestBody: body(termsBody),
        responses: { '200': json('Accepted.', ref('Me')), ...invalid, ...common },
      },
    },
    '/api/auth/sessions': {
      get: {
        summary: 'The sessions of the user (created, last seen, IP, user agent, current).',
        description: sessionOnly,
        responses: {
          '200': json('Sessions.', {
            type: 'object',
            properties: { sessions: { type: 'array', items: ref('Session') } },
          }),
          ...common,
        },
      },
    },
    '/api/auth/sessions/{id}': {
      delete: {
        summary: 'Revoke one session; its live WebSockets close at once.',
        description: sessionOnly,
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { '204': noContent, '404': error('`not_found`.'), ...common },
      },
    },
    '/api/auth/password': {
      post: {
        summary: 'Change the password (needs the current one); ends the other sessions.',
        description: sessionOnly,
        requestBody: body(changeBody),
        responses: {
          '200': json('Changed.', {
            type: 'object',
            properties: { sessionsEnded: { type: 'integer' } },
          }),
          '400': error('`weak_password` (field `newPassword`) or `validation_failed`.'),
          ...common,
          ...limited,
        },
      },
    },
    '/api/auth/password/forgot': {
      post: {
        summary:
          'Mail a single-use reset link (30 minutes). Same answer whether the account exists.',
        requestBody: body(forgotBody),
        responses: {
          '202': json('Accepted.', { type: 'object', properties: { message: { type: 'string' } } }),
          ...limited,
        },
      },
    },
    '/api/auth/password/reset': {
      post: {
        summary: 'Set a new password with the emailed token; ends every session.',
        requestBody: body(resetBody),
        responses: {
          '200': json('Reset.', {
            type: 'object',
            properties: { sessionsEnded: { type: 'integer' } },
          }),
          '400': error('`token_invalid`, `token_expired`, `weak_password` or `validation_failed`.'),
          ...limited,
        },
      },
    },
    '/api/auth/report-unauthorized-use': {
      post: {
        summary:
          'Report unauthorized use: ends every session, revokes tokens, locks the account until a reset, records a report, mails a reset link.',
        description: sessionOnly,
        requestBody: body(reportBody),
        responses: {
          '200': json('Reported.', {
            type: 'object',
            properties: {
              reportId: { type: 'string' },
              sessionsEnded: { type: 'integer' },
              tokensRevoked: { type: 'integer' },
            },
          }),
          ...common,
        },
      },
    },
    '/api/auth/tokens': {
      get: {
        summary: 'The personal access tokens of the user (never their secrets).',
        description: sessionOnly,
        responses: {
          '200': json('Tokens.', {
            type: 'object',
            properties: { tokens: { type: 'array', items: ref('AccessToken') } },
          }),
          ...common,
        },
      },
      post: {
        summary: 'Create a token for one workspace; the secret is in this answer only.',
        description: sessionOnly,
        requestBody: body(createTokenBody),
        responses: {
          '201': json('Created.', {
            allOf: [
              ref('AccessToken'),
              { type: 'object', properties: { token: { type: 'string' } } },
            ],
          }),
          ...invalid,
          ...common,
        },
      },
    },
    '/api/auth/tokens/{id}': {
      delete: {
        summary: 'Revoke a token; its live WebSockets close at once.',
        description: sessionOnly,
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { '204': noContent, '404': error('`not_found`.'), ...common },
      },
    },
    '/api/security-reports': {
      get: {
        summary: 'Reports of unauthorized use (platform operators).',
        responses: { '200': json('Reports, newest first.', { type: 'object' }), ...common },
      },
    },
    '/api/mailbox': {
      get: {
        summary:
          'The outbox (mail kept when SMTP_URL is unset): platform operators with a browser session only, whatever the address of the request.',
        parameters: [{ name: 'to', in: 'query', required: false, schema: { type: 'string' } }],
        responses: { '200': json('Messages, newest first.', { type: 'object' }), ...common },
      },
    },
  },
  components: {
    securitySchemes: {
      session: { type: 'apiKey', in: 'cookie', name: 'desk_session' },
      bearer: {
        type: 'http',
        scheme: 'bearer',
        description: 'Personal access token (desk_pat_…).',
      },
    },
    schemas: {
      SignupAccepted: {
        type: 'object',
        required: ['status', 'message'],
        properties: {
          status: { type: 'string', const: 'check_email' },
          message: { type: 'string' },
        },
      },
      ErrorBody: {
        type: 'object',
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message'],
            properties: {
              code: { type: 'string' },
              message: { type: 'string' },
              fields: { type: 'object', additionalProperties: { type: 'string' } },
              retryAfter: { type: 'integer' },
            },
          },
        },
      },
      Me: {
        type: 'object',
        properties: {
          user: {
            type: 'object',
            properties: {
              id: { type: 'string' },
              email: { type: 'string' },
              displayName: { type: 'string' },
              phone: { type: ['string', 'null'] },
              platformRole: { enum: ['operator', null] },
            },
          },
          workspaces: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                id: { type: 'string' },
                slug: { type: 'string' },
                name: { type: 'string' },
                role: { type: 'string' },
              },
            },
          },
          terms: {
            type: 'object',
            properties: {
              currentVersion: { type: 'string' },
              accepted: { type: 'boolean' },
              required: {
                type: 'boolean',
                description: 'The server refuses API and sync requests until accepted.',
              },
              upcoming: {
                type: ['object', 'null'],
                properties: { version: { type: 'string' }, effectiveAt: { type: 'integer' } },
              },
            },
          },
          via: { enum: ['session', 'token'] },
        },
      },
      Session: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          createdAt: { type: 'integer' },
          lastSeenAt: { type: 'integer' },
          expiresAt: { type: 'integer' },
          ip: { type: ['string', 'null'] },
          userAgent: { type: ['string', 'null'] },
          current: { type: 'boolean' },
        },
      },
      AccessToken: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          name: { type: 'string' },
          workspaceId: { type: 'string' },
          workspaceSlug: { type: 'string' },
          createdAt: { type: 'integer' },
          expiresAt: { type: ['integer', 'null'] },
          lastUsedAt: { type: ['integer', 'null'] },
        },
      },
    },
  },
} as const;
