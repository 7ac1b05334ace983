import { AppError } from '../http/AppError.ts';

/**
 * A workspace slug is both a path segment (`/w/:slug`) and a DNS label
 * (`<slug>.<BASE_DOMAIN>`): lower-case letters, digits and inner hyphens, 3–40 characters.
 */
export const slugPattern = /^[a-z0-9](?:[a-z0-9-]{1,38}[a-z0-9])$/;

/**
 * Names that would collide with our own hosts and routes, or impersonate the service
 * (`admin.<BASE_DOMAIN>`, `/w/support`). Checked after lower-casing.
 */
export const reservedSlugs: ReadonlySet<string> = new Set([
  'admin',
  'api',
  'app',
  'assets',
  'auth',
  'billing',
  'blog',
  'cdn',
  'dashboard',
  'dev',
  'docs',
  'help',
  'imap',
  'invite',
  'login',
  'mail',
  'new',
  'operator',
  'pop',
  'root',
  'security',
  'settings',
  'signup',
  'smtp',
  'staging',
  'static',
  'status',
  'support',
  'sync',
  'system',
  'test',
  'w',
  'www',
]);

/** Throws validation_failed (field `slug`) unless the slug is well-formed and not reserved. */
export function assertValidSlug(slug: string): void {
  if (!slugPattern.test(slug)) {
    throw AppError.badRequest('The workspace address is not valid.', {
      slug: 'Use 3–40 lower-case letters, digits and hyphens; start and end with a letter or digit.',
    });
  }
  if (reservedSlugs.has(slug) || slug.includes('--')) {
    throw AppError.badRequest('This workspace address is reserved.', {
      slug: 'This address is reserved. Choose another one.',
    });
  }
}
