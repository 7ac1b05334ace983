import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ErrorCode } from '@desk/protocol';
import { createLogger } from '../../log/logger.ts';
import { AppError } from '../AppError.ts';
import { errorHandler } from '../errorHandler/index.ts';
import { readBody } from './index.ts';

const Invite = z.strictObject({
  email: z.string().email('Enter an email address.'),
  workspace: z.strictObject({ slug: z.string().min(3, 'At least 3 characters.') }),
});

/** One route that reads its body with `readBody`, behind the server's error handler. */
function app(read: (c: Parameters<typeof readBody>[0]) => Promise<unknown>) {
  const hono = new Hono();
  hono.onError(errorHandler(createLogger('silent')));
  hono.post('/', async (c) => c.json({ read: await read(c) }));
  return hono;
}

const post = (hono: Hono, body: string) =>
  hono.request('/', { method: 'POST', body, headers: { 'content-type': 'application/json' } });

describe('readBody', () => {
  const invite = app((c) => readBody(c, Invite));

  it('hands the route the body its schema parsed', async () => {
    const response = await post(invite, '{"email":"ana@example.com","workspace":{"slug":"acme"}}');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      read: { email: 'ana@example.com', workspace: { slug: 'acme' } },
    });
  });

  it('refuses a body that is not JSON with validation_failed, before the schema', async () => {
    const response = await post(invite, '{"email":');
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: { code: ErrorCode.validationFailed, message: 'The request body must be JSON.' },
    });
  });

  it('refuses invalid fields with one sentence per field, keyed by its dotted path', async () => {
    const response = await post(invite, '{"email":"nope","workspace":{"slug":"a"}}');
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: {
        code: ErrorCode.validationFailed,
        message: 'Some fields are not valid.',
        fields: { email: 'Enter an email address.', 'workspace.slug': 'At least 3 characters.' },
      },
    });
  });

  it('names a field the strict schema does not know, and a body that is no object as `body`', async () => {
    const unknown = (await (
      await post(invite, '{"email":"ana@example.com","workspace":{"slug":"acme"},"admin":true}')
    ).json()) as { error: { fields: Record<string, string> } };
    expect(Object.keys(unknown.error.fields)).toEqual(['body']);
    const list = (await (await post(invite, '[1,2]')).json()) as {
      error: { fields: Record<string, string> };
    };
    expect(Object.keys(list.error.fields)).toEqual(['body']);
  });

  it('lets a typed refusal raised while reading stand (the body limit’s 413), not bad JSON', async () => {
    const refusing = app((c) => {
      c.req.json = () => Promise.reject(new AppError(ErrorCode.payloadTooLarge, 413, 'Too large.'));
      return readBody(c, Invite);
    });
    const response = await post(refusing, '{}');
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      error: { code: ErrorCode.payloadTooLarge, message: 'Too large.' },
    });
  });
});
