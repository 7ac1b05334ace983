import { body, error, json, ref } from '../http/openApiParts.ts';
import { billingEventSchema } from '../billing/billingWebhook.ts';
import { noteBody, stateBody, subscriptionBody } from '../operator/operatorRoutes.ts';
import { acceptBody, inviteBody, tokenBody } from './invitationRoutes.ts';
import { roleBody, transferBody } from './memberRoutes.ts';
import { createWorkspaceBody, renameWorkspaceBody } from './workspaceRoutes.ts';

/**
 * The workspace, invitation, billing-webhook and operator routes as an OpenAPI 3.1
 * fragment (`paths` + `components.schemas`) for the server's OpenAPI document to merge.
 * Request bodies come from the zod schemas the routes validate with; `openapi.test.ts`
 * checks every installed route is described.
 */
const slug = { name: 'slug', in: 'path', required: true, schema: { type: 'string' } };
const param = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });
const member = {
  '401': error('Not authenticated.'),
  '404': error(
    '`not_found`: no such workspace, or the caller is not a member (indistinguishable).',
  ),
};
const manager = {
  ...member,
  '403': error('`forbidden`: owners and admins only, with a browser session.'),
};
const operatorOnly = {
  '401': error('Not authenticated.'),
  '403': error('`forbidden`: platform operators only, with a browser session.'),
};
const ok = (description: string) => json(description, { type: 'object' });
const membersList = json('The members after the change.', {
  type: 'object',
  properties: { members: { type: 'array', items: ref('Member') } },
});

export const workspacesOpenApi = {
  paths: {
    '/api/workspaces': {
      get: {
        summary: 'The workspaces the caller is a member of, with role and state.',
        responses: { '200': ok('The list.'), '401': error('Not authenticated.') },
      },
      post: {
        summary: 'Create another workspace (own trial and seats) for a customer the caller owns.',
        requestBody: body(createWorkspaceBody),
        responses: {
          '201': json('Created.', ref('WorkspacePayload')),
          '400': error('`validation_failed` (slug format or reserved).'),
          '409': error('`slug_taken`.'),
          '429': error('`rate_limited`.'),
        },
      },
    },
    '/api/workspaces/{slug}': {
      get: {
        summary: 'One workspace with its members (assignees, mentions) — members only.',
        parameters: [slug],
        responses: { '200': json('The workspace.', ref('WorkspacePayload')), ...member },
      },
      patch: {
        summary: 'Rename the workspace (owners and admins).',
        parameters: [slug],
        requestBody: body(renameWorkspaceBody),
        responses: { '200': json('Renamed.', ref('WorkspacePayload')), ...manager },
      },
    },
    '/api/workspaces/{slug}/seats': {
      get: {
        summary: 'Seats used, the limit, open invitations and the seat ledger (billing basis).',
        parameters: [slug],
        responses: { '200': ok('Usage and history, newest first.'), ...manager },
      },
    },
    '/api/workspaces/{slug}/audit': {
      get: {
        summary: 'Audit entries about the workspace: operator, billing and system actions (owner).',
        parameters: [slug, { name: 'before', in: 'query', schema: { type: 'integer' } }],
        responses: { '200': ok('Entries, newest first.'), ...manager },
      },
    },
    '/api/workspaces/{slug}/members/{userId}': {
      patch: {
        summary:
          'Change a member’s role. Admins manage agents and viewers; only the owner makes admins.',
        parameters: [slug, param('userId')],
        requestBody: body(roleBody),
        responses: { '200': membersList, ...manager },
      },
      delete: {
        summary: 'Remove a member (or leave): frees the seat and ends their live access at once.',
        parameters: [slug, param('userId')],
        responses: { '200': membersList, ...manager },
      },
    },
    '/api/workspaces/{slug}/transfer-ownership': {
      post: {
        summary: 'Hand the workspace to another member; the previous owner becomes an admin.',
        parameters: [slug],
        requestBody: body(transferBody),
        responses: { '200': membersList, ...manager },
      },
    },
    '/api/workspaces/{slug}/invitations': {
      get: {
        summary: 'Invitations with their status (pending, expired, accepted, revoked).',
        parameters: [slug],
        responses: { '200': ok('Newest first.'), ...manager },
      },
      post: {
        summary: 'Invite by email: a single-use link valid 7 days, sent by mail.',
        parameters: [slug],
        requestBody: body(inviteBody),
        responses: {
          '201': json('Sent.', { type: 'object', properties: { invitation: ref('Invitation') } }),
          ...manager,
          '409': error('`already_member`, `seat_limit_reached`, or a read-only state.'),
          '429': error('`rate_limited`.'),
          '502': error('`internal`: saved, but the mail could not be sent; resend.'),
        },
      },
    },
    '/api/workspaces/{slug}/invitations/{id}/resend': {
      post: {
        summary: 'Send a new link with a fresh 7 days; the previous link stops working.',
        parameters: [slug, param('id')],
        responses: {
          '200': json('Sent.', { type: 'object', properties: { invitation: ref('Invitation') } }),
          ...manager,
          '409': error(
            '`invitation_invalid` (accepted or revoked), `seat_limit_reached`, read-only.',
          ),
        },
      },
    },
    '/api/workspaces/{slug}/invitations/{id}': {
      delete: {
        summary: 'Revoke an invitation; its link stops working.',
        parameters: [slug, param('id')],
        responses: {
          '200': json('Revoked.', {
            type: 'object',
            properties: { invitation: ref('Invitation') },
          }),
          ...manager,
          '409': error('`invitation_invalid`: already accepted.'),
        },
      },
    },
    '/api/invitations/lookup': {
      post: {
        summary: 'What an invitation link offers (token in the body, never in a URL).',
        requestBody: body(tokenBody),
        responses: {
          '200': ok('Workspace, inviter, role, expiry; whether the address has an account.'),
          '404': error('`invitation_invalid`: unknown or revoked.'),
          '410': error('`invitation_expired`, or `invitation_invalid` when already used.'),
          '429': error('`rate_limited`.'),
        },
      },
    },
    '/api/invitations/accept': {
      post: {
        summary:
          'Accept: as the logged-in invited account, or by registering (displayName, password, acceptTerms) which logs in.',
        requestBody: body(acceptBody),
        responses: {
          '200': ok('Joined with the existing account.'),
          '201': ok('Registered, joined and logged in.'),
          '400': error('`validation_failed`, `weak_password`, `terms_not_accepted`.'),
          '401': error('`unauthenticated`: the address has an account; log in first.'),
          '403': error('`forbidden`: logged in as another address.'),
          '404': error('`invitation_invalid`.'),
          '409': error(
            '`seat_limit_reached` (ask the owner), `already_member`, or a read-only state.',
          ),
          '410': error('`invitation_expired`, or `invitation_invalid` when already used.'),
        },
      },
    },
    '/api/host': {
      get: {
        summary: 'The workspace named by the Host (`<slug>.<BASE_DOMAIN>`), if any.',
        responses: {
          '200': json('BASE_DOMAIN and the slug (or null).', {
            type: 'object',
            properties: {
              baseDomain: { type: ['string', 'null'] },
              workspaceSlug: { type: ['string', 'null'] },
            },
          }),
        },
      },
    },
    '/api/billing/webhook': {
      post: {
        summary:
          'Signed billing events (header X-Billing-Signature: t=<unix s>,v1=<hex HMAC-SHA256 of "t.body">), 5-minute window, each id once. See sync-server/src/billing/WEBHOOK.md.',
        requestBody: body(billingEventSchema),
        responses: {
          '200': ok('Applied.'),
          '400': error('`validation_failed`: not an event we understand.'),
          '401': error('`signature_invalid`: missing, wrong, or outside the time window.'),
          '404': error('`not_found`: unknown workspace, or webhooks disabled (no secret).'),
          '409': error('`webhook_replayed` or `invalid_state_transition`.'),
        },
      },
    },
    '/api/operator/plans': {
      get: { summary: 'Every plan (data).', responses: { '200': ok('Plans.'), ...operatorOnly } },
    },
    '/api/operator/customers': {
      get: {
        summary:
          'Customers with account information only (no workspace content); a search is audited.',
        parameters: [
          { name: 'q', in: 'query', schema: { type: 'string' } },
          { name: 'limit', in: 'query', schema: { type: 'integer' } },
          { name: 'offset', in: 'query', schema: { type: 'integer' } },
        ],
        responses: { '200': ok('Customers and total.'), ...operatorOnly },
      },
    },
    '/api/operator/users': {
      get: {
        summary: 'User accounts (name, email, phone, status); a search is audited.',
        parameters: [
          { name: 'q', in: 'query', schema: { type: 'string' } },
          { name: 'limit', in: 'query', schema: { type: 'integer' } },
          { name: 'offset', in: 'query', schema: { type: 'integer' } },
        ],
        responses: { '200': ok('Users and total.'), ...operatorOnly },
      },
    },
    '/api/operator/workspaces/{id}/subscription': {
      patch: {
        summary: 'Change plan, custom seat limit and/or trial end (audited).',
        parameters: [param('id')],
        requestBody: body(subscriptionBody),
        responses: {
          '200': ok('Changed.'),
          ...operatorOnly,
          '404': error('No such workspace.'),
          '409': error('`invalid_state_transition` (trial end outside a trial).'),
        },
      },
    },
    '/api/operator/workspaces/{id}/state': {
      post: {
        summary: 'Move the subscription: suspend, reactivate, mark past due, terminate (audited).',
        parameters: [param('id')],
        requestBody: body(stateBody),
        responses: {
          '200': ok('`changed`: false when already in that state.'),
          ...operatorOnly,
          '404': error('No such workspace.'),
          '409': error('`invalid_state_transition`.'),
        },
      },
    },
    '/api/operator/users/{id}/suspend': {
      post: {
        summary: 'Suspend a user account (terms §2); their sessions stop working (audited).',
        parameters: [param('id')],
        requestBody: body(noteBody),
        responses: { '200': ok('Suspended.'), ...operatorOnly, '404': error('No such user.') },
      },
    },
    '/api/operator/users/{id}/reinstate': {
      post: {
        summary: 'Reinstate a suspended user account (audited).',
        parameters: [param('id')],
        requestBody: body(noteBody),
        responses: { '200': ok('Reinstated.'), ...operatorOnly, '404': error('No such user.') },
      },
    },
    '/api/operator/audit': {
      get: {
        summary: 'The audit log, newest first.',
        parameters: [{ name: 'before', in: 'query', schema: { type: 'integer' } }],
        responses: { '200': ok('Entries.'), ...operatorOnly },
      },
    },
  },
  components: {
    schemas: {
      Member: {
        type: 'object',
        properties: {
          userId: { type: 'string' },
          displayName: { type: 'string' },
          email: { type: 'string' },
          role: { enum: ['owner', 'admin', 'agent', 'viewer'] },
          joinedAt: { type: 'integer' },
        },
      },
      WorkspacePayload: {
        type: 'object',
        properties: {
          workspace: {
            type: 'object',
            properties: {
              id: { type: 'string' },
              slug: { type: 'string' },
              name: { type: 'string' },
              role: { enum: ['owner', 'admin', 'agent', 'viewer'] },
              state: { enum: ['trialing', 'active', 'past_due', 'suspended', 'terminated'] },
              readOnly: { type: 'boolean' },
              readOnlyReason: {
                enum: ['viewer', 'trial_expired', 'suspended', 'terminated', null],
              },
              plan: { type: 'object' },
              seats: {
                type: 'object',
                properties: {
                  used: { type: 'integer' },
                  limit: { type: 'integer' },
                  pendingInvitations: { type: 'integer' },
                },
              },
              trialEndsAt: { type: ['integer', 'null'] },
              deleteAfter: { type: ['integer', 'null'] },
              customer: { type: 'object' },
            },
          },
          members: { type: 'array', items: ref('Member') },
        },
      },
      Invitation: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          email: { type: 'string' },
          role: { enum: ['admin', 'agent', 'viewer'] },
          invitedByName: { type: 'string' },
          createdAt: { type: 'integer' },
          expiresAt: { type: 'integer' },
          sendCount: { type: 'integer' },
          status: { enum: ['pending', 'expired', 'accepted', 'revoked'] },
        },
      },
    },
  },
} as const;
