import { describe, expect, it } from 'vitest';
import {
  KNOWN_DEVICE_LIFETIME_MS,
  MAX_KNOWN_DEVICES_PER_USER,
  type AsyncKnownDevices,
} from '../auth/KnownDevices.ts';
import { seedUser } from './controlPlaneSeed.ts';
import { closedAfterEach, type StoreFixture } from './storeBackends.ts';

/**
 * What every KnownDevices does, on SQLite (wrapped or on the seam) and on PostgreSQL: a
 * device cookie recognised for its account until it expires, extended at each login, at
 * most MAX_KNOWN_DEVICES_PER_USER per account — also when logins on two processes add
 * devices at once.
 */
export function describeKnownDevicesContract(
  engine: string,
  open: () => Promise<StoreFixture<AsyncKnownDevices>>,
): void {
  describe(`KnownDevices on ${engine}`, () => {
    const openOne = closedAfterEach(open);
    const setup = async () => {
      const fixture = await openOne();
      const ana = await seedUser(fixture.db.sql, { name: 'Ana' });
      const ben = await seedUser(fixture.db.sql, { name: 'Ben' });
      return { ...fixture, devices: fixture.store, ana, ben };
    };

    it('recognises a device cookie for its own account until it expires', async () => {
      const { devices, clock, ana, ben } = await setup();
      const device = await devices.remember(ana, undefined);
      expect(device.expiresAt).toBe(clock.now + KNOWN_DEVICE_LIFETIME_MS);
      expect(await devices.recognise(device.token, ana)).toBe(device.id);
      expect(await devices.recognise(device.token, ben)).toBeNull();
      expect(await devices.recognise(undefined, ana)).toBeNull();
      expect(await devices.recognise(`${device.token}x`, ana)).toBeNull();
      clock.now = device.expiresAt;
      expect(await devices.recognise(device.token, ana)).toBeNull();
    });

    it('extends the device a browser already is, and makes a new one otherwise', async () => {
      const { devices, clock, ana, ben } = await setup();
      const device = await devices.remember(ana, undefined);
      clock.now += 1000;
      const again = await devices.remember(ana, device.token);
      expect(again).toEqual({
        id: device.id,
        token: device.token,
        expiresAt: clock.now + KNOWN_DEVICE_LIFETIME_MS,
      });
      const elsewhere = await devices.remember(ben, device.token);
      expect(elsewhere.id).not.toBe(device.id);
      expect(await devices.idsOf(ana)).toEqual([device.id]);
    });

    it('keeps the most recently used devices of an account, up to the maximum', async () => {
      const { devices, clock, ana } = await setup();
      const first = await devices.remember(ana, undefined);
      for (let i = 0; i < MAX_KNOWN_DEVICES_PER_USER; i += 1) {
        clock.now += 1;
        await devices.remember(ana, undefined);
      }
      const ids = await devices.idsOf(ana);
      expect(ids).toHaveLength(MAX_KNOWN_DEVICES_PER_USER);
      expect(ids).not.toContain(first.id);
    });

    it('sweeps expired devices and forgets an account’s', async () => {
      const { devices, clock, ana, ben } = await setup();
      await devices.remember(ana, undefined);
      clock.now += 10;
      await devices.remember(ben, undefined);
      await devices.remember(ben, undefined);
      clock.now += KNOWN_DEVICE_LIFETIME_MS - 5;
      expect(await devices.sweep()).toBe(1);
      expect(await devices.forgetUser(ben)).toBe(2);
      expect(await devices.idsOf(ben)).toEqual([]);
    });

    it('keeps at most the maximum when logins on two processes add devices at once', async () => {
      const { devices, ana, another } = await setup();
      const other = await another();
      await Promise.all(
        Array.from({ length: MAX_KNOWN_DEVICES_PER_USER + 6 }, (_, i) =>
          (i % 2 === 0 ? devices : other).remember(ana, undefined),
        ),
      );
      expect(await devices.idsOf(ana)).toHaveLength(MAX_KNOWN_DEVICES_PER_USER);
    });
  });
}
