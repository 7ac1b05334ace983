import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ErrorCode } from '@desk/protocol';
import { createLogger } from '../../log/logger.ts';
import { errorHandler } from '../errorHandler/index.ts';
import { readQuery } from './index.ts';

const Page = z.object({
  before: z.coerce.number().int().positive().optional(),
  download: z.string().optional(),
});

const app = new Hono();
app.onError(errorHandler(createLogger('silent')));
app.get('/', (c) => c.json({ read: readQuery(c, Page) }));

describe('readQuery', () => {
  it('hands the route the parameters its schema parsed (coerced, optional ones left out)', async () => {
    expect(await (await app.request('/?before=42')).json()).toEqual({ read: { before: 42 } });
    expect(await (await app.request('/')).json()).toEqual({ read: {} });
    expect(await (await app.request('/?download')).json()).toEqual({ read: { download: '' } });
  });

  it('refuses a parameter the schema refuses with validation_failed, naming it', async () => {
    const response = await app.request('/?before=yesterday');
    expect(response.status).toBe(400);
    const body = (await response.json()) as {
      error: { code: string; message: string; fields: Record<string, string> };
    };
    expect(body.error.code).toBe(ErrorCode.validationFailed);
    expect(body.error.message).toBe('The query parameters are not valid.');
    expect(Object.keys(body.error.fields)).toEqual(['before']);
  });

  it('takes the first value of a parameter given twice', async () => {
    expect(await (await app.request('/?before=7&before=9')).json()).toEqual({
      read: { before: 7 },
    });
  });
});
