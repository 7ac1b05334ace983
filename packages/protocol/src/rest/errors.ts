import { z } from 'zod';
import { ErrorCode } from '../errors.ts';
import { REFUSED_LIMITS } from '../usage.ts';

/** Every REST refusal: `{ error: { code, message } }`, the code from the closed ErrorCode list. */
export const ErrorBody = z.strictObject({
  error: z.strictObject({
    code: z.enum(Object.values(ErrorCode) as [ErrorCode, ...ErrorCode[]]),
    message: z.string(),
    /** Field-level problems for forms, keyed by field name. */
    fields: z.record(z.string(), z.string()).optional(),
    /** Seconds until a rate-limited request may be retried. */
    retryAfter: z.number().int().optional(),
    /** Names of the workspaces the refusal is about (`last_owner`). */
    workspaces: z.array(z.string()).optional(),
    /** The operator's reason, in their words (`content_disabled`). */
    reason: z.string().optional(),
    /** The plan limit that refused it (`payload_too_large` on an upload or an import). */
    limit: z.enum(REFUSED_LIMITS).optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;
