import type { Context, Hono, MiddlewareHandler } from 'hono';
import { ErrorCode, type TermsVersion as TermsVersionBody } from '@desk/protocol';
import type { AuditStore } from '../audit/AuditStore.ts';
import { authOf, requireOperator } from '../identity/middleware.ts';
import { readBody } from '../http/readBody/index.ts';
import { AppError } from '../http/AppError.ts';
import type { AsyncTransactions } from '../db/Transactions.ts';
import type { ServerContext } from '../ServerContext.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';
import type { TermsAnnouncer } from './TermsAnnouncer.ts';
import type { TermsEffectiveDates } from './TermsEffectiveDates.ts';
import {
  EffectiveDateTooEarly,
  SEED_TERMS_VERSION,
  type TermsStore,
  type TermsVersion,
} from './TermsStore.ts';
import { PublishTermsRequest } from '@desk/protocol/rest';

/**
 * A browser's clock and ours differ by a little: an effective date this far in the past is
 * taken as "now" instead of refused (the console's "effective now" sends the browser's now).
 */
const CLOCK_SKEW_MS = 60_000;

/**
 * Paths a user who has not accepted the terms in force may still call: everything under
 * /api/auth (who am I, log in and out, sessions, password, accepting the terms), the terms
 * themselves, and the operator's terms routes (an operator who just published a version
 * effective now still follows its announcement). Everything else under /api answers 403
 * `terms_not_accepted`.
 */
const OPEN_WITHOUT_TERMS = ['/api/auth/', '/api/terms', '/api/operator/terms'];

export const termsDto = (v: TermsVersion): TermsVersionBody => ({
  version: String(v.version),
  text: v.text,
  changes: v.changes,
  effectiveAt: v.effectiveAt,
  publishedAt: v.publishedAt,
});

/** The error every refused request (REST) carries; sockets close with CloseCode.termsNotAccepted. */
export function termsNotAcceptedError(version: TermsVersion): AppError {
  return new AppError(
    ErrorCode.termsNotAccepted,
    403,
    `Version ${version.version} of the terms of service is in force; read and accept it to go on.`,
  );
}

/**
 * Refuses API requests of users who have not accepted the terms version in force: one
 * store call per request (`blocking`: two prepared reads on SQLite, as before).
 */
export function termsGate({
  control: { terms },
}: {
  readonly control: { readonly terms: Pick<AsyncStore<TermsStore>, 'blocking'> };
}): MiddlewareHandler {
  return async (c, next) => {
    const auth = c.get('auth');
    const path = c.req.path;
    if (!auth || !path.startsWith('/api/') || OPEN_WITHOUT_TERMS.some((p) => path.startsWith(p))) {
      return next();
    }
    const blocking = await terms.blocking(auth.user.id);
    if (blocking) throw termsNotAcceptedError(blocking);
    return next();
  };
}

/**
 * The stores the terms gate and routes read and write, on their async interfaces (issue 19:
 * PostgreSQL may answer); part of `Services.control`.
 */
export interface TermsRouteStores {
  readonly transactions: AsyncTransactions;
  readonly terms: AsyncStore<TermsStore>;
  readonly audit: AsyncStore<AuditStore>;
}

/** What the terms routes use (built once in createServices). */
export interface TermsRouteDeps extends Pick<ServerContext, 'log'> {
  readonly now: () => number;
  readonly control: TermsRouteStores;
  readonly termsAnnouncer: TermsAnnouncer;
  readonly termsEffectiveDates: TermsEffectiveDates;
}

/**
 * Versioned terms (issue 16): the gate on every later /api route, the public read of the
 * terms in force (and the next version, once published), and publishing for operators.
 * Install right after installAuth, before every other module's routes.
 */
export function installTerms(app: Hono, deps: TermsRouteDeps): void {
  const { termsAnnouncer: announcer, termsEffectiveDates: dates } = deps;
  // A failed check is logged, not the request's: the version is published either way, and
  // the timer looks again (TermsEffectiveDates).
  const checkDates = () =>
    dates.check().catch((err: unknown) => {
      deps.log.error({ err }, 'terms effective dates: check failed');
    });
  const { terms, audit, transactions } = deps.control;
  // On '*' (the path is checked inside): the route table test knows every `use` path.
  app.use('*', termsGate(deps));

  app.get('/api/terms', async (c) => {
    const upcoming = await terms.upcoming();
    const userId = c.get('auth')?.user.id;
    const accepted = userId ? await terms.acceptedBy(userId) : null;
    const changesSinceAccepted =
      accepted === null
        ? []
        : (await terms.list())
            .filter((v) => v.version > accepted && v.version > SEED_TERMS_VERSION)
            .reverse()
            .map((v) => ({ version: String(v.version), changes: v.changes }));
    return c.json({
      current: termsDto(await terms.inForce()),
      upcoming: upcoming ? termsDto(upcoming) : null,
      changesSinceAccepted,
    });
  });

  app.get('/api/operator/terms', requireOperator, async (c) => {
    const counts = await terms.acceptanceCounts();
    return c.json({
      versions: (await terms.list()).map((v) => ({
        ...termsDto(v),
        announced: v.announced,
        acceptances: counts.get(String(v.version)) ?? 0,
      })),
    });
  });

  app.post('/api/operator/terms', requireOperator, async (c: Context) => {
    const operatorId = authOf(c).user.id;
    const body = await readBody(c, PublishTermsRequest);
    const now = deps.now();
    const requested = body.effectiveAt ?? now;
    if (requested < now - CLOCK_SKEW_MS) {
      throw AppError.badRequest('The effective date has passed.', {
        effectiveAt: 'Choose now or a later date.',
      });
    }
    const effectiveAt = Math.max(requested, now);
    const published = () =>
      transactions.write(async () => {
        const version = await terms.publish({
          text: body.text,
          changes: body.changes,
          effectiveAt,
          publishedBy: operatorId,
        });
        await audit.record({
          actor: { kind: 'operator', userId: operatorId },
          action: 'terms.published',
          target: { kind: 'terms_version', id: String(version.version) },
          details: { effectiveAt, changes: body.changes },
        });
        return version;
      });
    let version: TermsVersion;
    try {
      version = await published();
    } catch (err) {
      if (err instanceof EffectiveDateTooEarly) {
        throw AppError.badRequest('The previous version takes effect later than that.', {
          effectiveAt: `Choose ${new Date(err.notBefore).toISOString()} or later.`,
        });
      }
      throw err;
    }
    // The emails go out after this answer, in batches (TermsAnnouncer).
    announcer.kick();
    // Effective now: open sockets of users who have not accepted close before the answer.
    await checkDates();
    return c.json(termsDto(version), 201);
  });

  // Announcements left unfinished by a restart resume; the next effective date is watched.
  announcer.kick();
  void checkDates();
}
