import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { RefusedLimit, type ExportResponse } from '@desk/protocol';
import { loadConfig } from '../config/config.ts';
import { signUp, startAuthTestServer } from '../testing/authTestServer.ts';
import { plans } from '../billing/plans.ts';
import { writeArchive } from '../testing/exportArchive.ts';
import { exportZipBytes, postJson, seedRealisticWorkspace } from '../testing/exportTestSupport.ts';
import { importWorkspace } from './importWorkspace.ts';

describe('pnpm operator import-workspace', () => {
  it('creates the workspace from an export with identical documents, and refuses while a server runs', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-cli-import-'));
    const env = { DATA_DIR: dataDir, SNAPSHOT_INTERVAL_MINUTES: '0', BACKUP_INTERVAL_HOURS: '24' };
    const config = loadConfig({ ...env, PORT: '0', WEB_DIR: path.join(dataDir, 'no-web') });
    const t = await startAuthTestServer(env);
    const owner = await signUp(t);
    await seedRealisticWorkspace(t.server, owner, { tickets: 40, attachments: 2 });
    const started = await postJson<ExportResponse>(
      t.server,
      owner.client,
      `/api/workspaces/${owner.slug}/exports`,
    );
    await t.server.exports.service.idle();
    const zip = path.join(dataDir, 'export.zip');
    fs.writeFileSync(zip, await exportZipBytes(t.server, started.body.export.id));
    const options = { zip, ownerEmail: owner.email, name: 'Moved desk', slug: 'moved-desk' };
    // The running server holds DATA_DIR.
    await expect(importWorkspace(config, options)).rejects.toThrow(/Cannot import now/);
    const before = (name: string) => {
      const stored = t.server.sync.store.load(`${owner.workspaceId}:${name}`)!;
      return Y.mergeUpdates(stored.state ? [stored.state, ...stored.log] : stored.log);
    };
    const index = before('index');
    const ticket = before('ticket:tk0000000');
    await t.server.stop();

    const said = await importWorkspace(config, options);
    expect(said).toMatch(/^Imported \d+ documents and 2 attachments into workspace "Moved desk"/);

    const again = await startAuthTestServer(env);
    try {
      const ws = again.server.services.workspaces.bySlug('moved-desk')!;
      const load = (name: string) => {
        const stored = again.server.sync.store.load(`${ws.id}:${name}`)!;
        return Y.mergeUpdates(stored.state ? [stored.state, ...stored.log] : stored.log);
      };
      expect(Buffer.from(load('index')).equals(Buffer.from(index))).toBe(true);
      expect(Buffer.from(load('ticket:tk0000000')).equals(Buffer.from(ticket))).toBe(true);
      const audit = again.server.services.audit.list({ workspaceId: ws.id });
      expect(audit.map((e) => [e.action, e.actorKind])).toContainEqual([
        'workspace.imported',
        'operator',
      ]);
    } finally {
      await again.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);

  it('LIMIT-13 refuses an archive over a limit of the new workspace’s plan, naming it, and creates nothing', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-cli-import-'));
    const env = { DATA_DIR: dataDir, SNAPSHOT_INTERVAL_MINUTES: '0', BACKUP_INTERVAL_HOURS: '24' };
    const config = loadConfig({ ...env, PORT: '0', WEB_DIR: path.join(dataDir, 'no-web') });
    const t = await startAuthTestServer(env);
    const owner = await signUp(t);
    await t.server.stop();
    const zip = await writeArchive(path.join(dataDir, 'big.zip'), {
      docs: [plans.trial.documentSizeLimitBytes + 1],
    });

    const refused = importWorkspace(config, {
      zip,
      ownerEmail: owner.email,
      name: 'Too big',
      slug: 'too-big',
    });
    // What the operator reads (the CLI prints the message) names the document and the limit.
    await expect(refused).rejects.toThrow(
      /The document index weighs \d+ bytes; the new workspace's plan allows \d+ per document/,
    );
    await expect(refused).rejects.toMatchObject({
      code: 'payload_too_large',
      status: 413,
      extra: { limit: RefusedLimit.documentSize },
    });

    const again = await startAuthTestServer(env);
    try {
      expect(again.server.services.workspaces.bySlug('too-big')).toBeNull();
    } finally {
      await again.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
