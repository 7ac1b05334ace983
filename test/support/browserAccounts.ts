import type { BrowserContext, Page } from 'playwright-core';
import { createOperator } from '../../sync-server/src/cli/createOperator.ts';
import { hashPassword } from '../../sync-server/src/identity/passwords.ts';
import { signUp } from '../../sync-server/src/testing/authTestServer.ts';
import { signedInContext, type BrowserWorld } from './browserWorld.ts';

/**
 * The people of the account browser tests (workspaces, versioned terms): a workspace owner
 * signed up through the API with a signed-in browser window, and an operator of the service
 * logged in to the console through its login page.
 */

/** The password every account of these tests uses. */
export const BROWSER_PASSWORD = 'a quiet harbour at dawn';

export interface SignedInOwner {
  /** What `signUp` answered: the user's id, its TestClient (with the session), the workspace. */
  readonly user: Awaited<ReturnType<typeof signUp>>;
  readonly context: BrowserContext;
  readonly page: Page;
}

/**
 * An owner who signed up through the API (the sign-up page has its own browser test), with
 * a browser window signed in as them; the page is blank, its first `goto` is the test's.
 */
export async function signedInOwner(
  world: BrowserWorld,
  owner: { email: string; displayName: string; slug: string },
): Promise<SignedInOwner> {
  const user = await signUp(world, { ...owner, password: BROWSER_PASSWORD });
  const { context, page } = await signedInContext(world, user.client);
  return { user, context, page };
}

export interface OperatorConsole {
  /** The operator's user id, as `createOperator` (the CLI's `create-operator`) made it. */
  readonly userId: string;
  readonly context: BrowserContext;
  /** On `/operator`, logged in. */
  readonly page: Page;
}

/**
 * Creates the operator account `ops@example.com` as the CLI does, then logs in through the
 * login page in a browser window of its own and lands on the console. The CLI's account never
 * saw the terms: at its first login it reads and accepts them on /terms, as the server
 * refuses it everything else until then (issue 16).
 */
export async function openOperatorConsole(world: BrowserWorld): Promise<OperatorConsole> {
  const email = 'ops@example.com';
  const { userId } = await createOperator(world.server.services.control, {
    email,
    displayName: 'Ops',
    passwordHash: await hashPassword(BROWSER_PASSWORD),
  });
  const context = await world.browser.newContext();
  const page = await context.newPage();
  await page.goto(world.base + '/login?next=/terms');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(BROWSER_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL('**/terms');
  // Accepted already when a test opens the console a second time.
  const accept = page.getByRole('button', { name: 'I accept the terms of service' });
  await accept.or(page.getByText(/You accepted version/)).waitFor();
  if (await accept.isVisible()) {
    await accept.click();
    await page.waitForURL((url) => !url.pathname.endsWith('/terms'));
  }
  await page.goto(world.base + '/operator');
  await page.waitForURL('**/operator');
  return { userId, context, page };
}
