import type { Hono } from 'hono';
import { z } from 'zod';
import { ErrorCode } from '@desk/protocol';
import { AppError } from '../http/AppError.ts';
import { newId } from '../ids/newId.ts';
import { createCustomerWithWorkspace } from '../workspaces/createCustomerWithWorkspace.ts';
import type { AuthContext } from './AuthContext.ts';
import type { AuthServices } from './AuthServices.ts';
import { clientInfo } from './clientInfo.ts';
import { looksLikeEmail, normalizeEmail } from './email.ts';
import { authLimits } from './limits.ts';
import { mePayload } from './mePayload.ts';
import { assertPasswordAcceptable, hashPassword } from './passwords.ts';
import { readBody } from './readBody.ts';
import { setSessionCookie } from './sessionCookie.ts';
import { CURRENT_TERMS_VERSION, recordTermsAcceptance } from './terms.ts';
import { readUserByEmail } from './users.ts';

export const signupBody = z.object({
  email: z.string().max(254),
  password: z.string(),
  displayName: z.string().trim().min(1, 'Enter your name.').max(100, 'Use at most 100 characters.'),
  phone: z
    .string()
    .trim()
    .max(40, 'Use at most 40 characters.')
    .regex(/^[+0-9 ()./-]*$/, 'Use digits, spaces and + ( ) - . / only.')
    .optional(),
  customer: z.object({
    kind: z.enum(['organization', 'person']),
    name: z.string(),
  }),
  workspace: z.object({ name: z.string(), slug: z.string() }),
  acceptTerms: z.boolean(),
});

/**
 * `POST /api/auth/signup`: the owner account, its customer, the first workspace and the
 * owner membership, plus acceptance of the current terms — one transaction, so a taken
 * slug leaves no half-made account behind. Logs the new user in.
 */
export function installSignupRoutes(app: Hono, services: AuthServices): void {
  const { ctx, limiter, sessions } = services;

  app.post('/api/auth/signup', async (c) => {
    const body = await readBody(c, signupBody);
    const client = clientInfo(c);
    const email = normalizeEmail(body.email);
    limiter.consume(`signup:ip:${client.ip ?? 'unknown'}`, authLimits.signupPerIp);
    limiter.consume(`signup:account:${email}`, authLimits.signupPerAccount);

    if (!looksLikeEmail(email)) {
      throw AppError.badRequest('The email address is not valid.', {
        email: 'Enter an email address such as ana@example.com.',
      });
    }
    if (!body.acceptTerms) {
      throw new AppError(
        ErrorCode.termsNotAccepted,
        400,
        'Accept the terms of service to sign up.',
        {
          fields: { acceptTerms: 'Accept the terms of service to continue.' },
        },
      );
    }
    assertPasswordAcceptable(body.password);
    const passwordHash = await hashPassword(body.password);

    const now = ctx.now();
    const userId = newId();
    const created = ctx.db
      .transaction(() => {
        if (readUserByEmail(ctx.db, email)) throw emailTaken();
        ctx.db
          .prepare(
            `INSERT INTO users (id, email, display_name, phone, password_hash, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(userId, email, body.displayName, body.phone || null, passwordHash, now, now);
        const ids = createCustomerWithWorkspace(
          ctx.db,
          { ownerUserId: userId, customer: body.customer, workspace: body.workspace },
          now,
        );
        recordTermsAcceptance(ctx.db, {
          userId,
          version: CURRENT_TERMS_VERSION,
          at: now,
          ip: client.ip,
        });
        return ids;
      })
      .immediate();

    ctx.log.info({ userId, workspaceId: created.workspaceId }, 'account signed up');
    const session = sessions.create(userId, client);
    setSessionCookie(c, ctx.config, session.token, session.expiresAt);
    const auth: AuthContext = {
      user: {
        id: userId,
        email,
        displayName: body.displayName,
        platformRole: null,
        status: 'active',
      },
      session: { id: session.id },
      token: null,
    };
    return c.json(mePayload(ctx.db, auth), 201);
  });
}

function emailTaken(): AppError {
  return new AppError(ErrorCode.emailTaken, 409, 'An account with this email already exists.', {
    fields: { email: 'This email already has an account. Log in or reset the password.' },
  });
}
