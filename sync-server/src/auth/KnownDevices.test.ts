import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlite } from '../db/Database.ts';
import { migrate } from '../db/migrate.ts';
import { migrations } from '../db/migrations/index.ts';
import {
  KNOWN_DEVICE_LIFETIME_MS,
  SqliteKnownDevices,
  MAX_KNOWN_DEVICES_PER_USER,
} from './KnownDevices.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function setup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-devices-'));
  dirs.push(dir);
  const db = openSqlite(path.join(dir, 'desk.sqlite'));
  migrate(db, migrations);
  const insertUser = db.prepare(
    `INSERT INTO users (id, email, password_hash, display_name, created_at, updated_at)
     VALUES (?, ?, 'x', 'User', 0, 0)`,
  );
  insertUser.run('u1', 'one@example.com');
  insertUser.run('u2', 'two@example.com');
  const clock = { now: 1_000_000 };
  return { db, clock, devices: new SqliteKnownDevices(db, () => clock.now) };
}

describe('KnownDevices', () => {
  it('recognises its cookie for the account it logged in to, and for no other', () => {
    const { devices } = setup();
    const device = devices.remember('u1', undefined);
    expect(devices.recognise(device.token, 'u1')).toBe(device.id);
    expect(devices.recognise(device.token, 'u2')).toBeNull();
    expect(devices.recognise('not-a-device-token', 'u1')).toBeNull();
    expect(devices.recognise(undefined, 'u1')).toBeNull();
  });

  it('stores only the hash of the token', () => {
    const { db, devices } = setup();
    const device = devices.remember('u1', undefined);
    const row = db.prepare('SELECT * FROM known_devices').get() as Record<string, unknown>;
    expect(Object.values(row)).not.toContain(device.token);
  });

  it('extends the same device on the next login, and forgets it a lifetime after the last', () => {
    const { devices, clock } = setup();
    const first = devices.remember('u1', undefined);
    clock.now += KNOWN_DEVICE_LIFETIME_MS - 1;
    const again = devices.remember('u1', first.token);
    expect(again).toMatchObject({ id: first.id, token: first.token });
    clock.now += KNOWN_DEVICE_LIFETIME_MS - 1;
    expect(devices.recognise(first.token, 'u1')).toBe(first.id);
    clock.now += 1;
    expect(devices.recognise(first.token, 'u1')).toBeNull();
    expect(devices.sweep()).toBe(1);
  });

  it("makes a new device when the cookie is another account's", () => {
    const { devices } = setup();
    const theirs = devices.remember('u2', undefined);
    const mine = devices.remember('u1', theirs.token);
    expect(mine.id).not.toBe(theirs.id);
    expect(devices.recognise(theirs.token, 'u2')).toBe(theirs.id);
  });

  it('keeps the most recently used devices of an account, up to the limit', () => {
    const { devices, clock } = setup();
    const made = [];
    for (let i = 0; i <= MAX_KNOWN_DEVICES_PER_USER; i += 1) {
      clock.now += 1000;
      made.push(devices.remember('u1', undefined));
    }
    expect(devices.idsOf('u1')).toHaveLength(MAX_KNOWN_DEVICES_PER_USER);
    expect(devices.recognise(made[0]!.token, 'u1')).toBeNull();
    expect(devices.recognise(made.at(-1)!.token, 'u1')).toBe(made.at(-1)!.id);
  });
});
