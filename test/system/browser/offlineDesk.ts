import type { BrowserWorld } from '../../support/browserWorld.ts';
import { signUpOwner, type Account, type Workspace } from './offlineAccounts.ts';
import { openSignedInPage, type SignedInPage } from './offlinePage.ts';
import { seedTickets, type SeededTicket } from './offlineTickets.ts';

/** The usual start of an offline browser test: an owner, seeded tickets, a signed-in page. */

export interface OwnerDesk extends SignedInPage {
  readonly owner: Account;
  readonly workspace: Workspace;
  readonly tickets: SeededTicket[];
  /** `<base>/w/<slug>`, the workspace's ticket list. */
  readonly workspaceUrl: string;
}

/**
 * A fresh owner with a workspace of `ticketCount` seeded tickets, signed in on a page of
 * their own (nothing loaded yet).
 */
export async function openOwnerDesk(
  world: BrowserWorld,
  name: string,
  slug: string,
  ticketCount: number,
): Promise<OwnerDesk> {
  const { owner, workspace } = await signUpOwner(world, name, slug);
  const tickets = await seedTickets(world, owner, workspace, ticketCount);
  const signedIn = await openSignedInPage(world, owner);
  return { ...signedIn, owner, workspace, tickets, workspaceUrl: `${world.base}/w/${slug}` };
}
