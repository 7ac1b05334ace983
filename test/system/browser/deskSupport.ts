import { signUp, type TestClient } from '../../../sync-server/src/testing/authTestServer.ts';
import { addMember } from '../../../sync-server/src/testing/workspaceTestSupport.ts';
import type { Page } from 'playwright-core';
import {
  signedInContext,
  startBrowserWorld,
  type BrowserWorld,
} from '../../support/browserWorld.ts';

/**
 * Support for the desk's browser tests: a browser world (the real server serving the built
 * web app, and Chromium) with two members of one workspace, created through the sign-up and
 * invitation APIs.
 */
export interface DeskWorld extends BrowserWorld {
  readonly slug: string;
  readonly owner: { client: TestClient; userId: string; name: string };
  readonly agent: { client: TestClient; userId: string; name: string };
}

export async function startDeskWorld(): Promise<DeskWorld> {
  const world = await startBrowserWorld();
  try {
    const owner = await signUp(world, { displayName: 'Ana Owner' });
    const agent = await addMember(world, owner.client, owner.slug, 'bo.agent@example.com');
    return {
      ...world,
      slug: owner.slug,
      owner: { client: owner.client, userId: owner.userId, name: 'Ana Owner' },
      agent: { client: agent.client, userId: agent.userId, name: 'bo.agent' },
    };
  } catch (error) {
    await world.close();
    throw error;
  }
}

/** The desk world with a signed-in page for each member: Ana (owner) and Bo (agent). */
export async function openDeskPages(): Promise<{ world: DeskWorld; ana: Page; bo: Page }> {
  const world = await startDeskWorld();
  try {
    const ana = (await signedInContext(world, world.owner.client)).page;
    const bo = (await signedInContext(world, world.agent.client)).page;
    return { world, ana, bo };
  } catch (error) {
    await world.close();
    throw error;
  }
}
