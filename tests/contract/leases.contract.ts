import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { Leases } from '../../src/application/ports/leases.js';
import { FakeClock } from '../support/fakeClock.js';

export interface LeasesHarness {
  leases: Leases;
  cleanup(): Promise<void>;
}

/** The Leases contract: one owner at a time, judged by the Clock handed to the adapter. */
export function leasesContract(name: string, factory: (clock: FakeClock) => Promise<LeasesHarness>): void {
  describe(`Leases contract: ${name}`, () => {
    const TTL = 10_000;
    let clock: FakeClock;
    let harness: LeasesHarness;
    let leases: Leases;

    beforeEach(async () => {
      clock = new FakeClock();
      harness = await factory(clock);
      leases = harness.leases;
    });
    afterEach(async () => { await harness.cleanup(); });

    it('gives a free lease to the first asker and refuses it to others while it lasts', async () => {
      expect(await leases.acquire('projection:a', 'one', TTL)).toBe(true);
      expect(await leases.acquire('projection:a', 'two', TTL)).toBe(false);
      clock.advance(TTL - 1);
      expect(await leases.acquire('projection:a', 'two', TTL)).toBe(false);
      expect(await leases.holder('projection:a')).toBe('one');
      expect(await leases.acquire('projection:b', 'two', TTL)).toBe(true);
    });

    it('a renewal by the owner pushes the expiry on, so a live owner keeps it', async () => {
      await leases.acquire('reactor:r', 'one', TTL);
      for (let i = 0; i < 5; i += 1) {
        clock.advance(TTL / 2);
        expect(await leases.acquire('reactor:r', 'one', TTL)).toBe(true);
        expect(await leases.acquire('reactor:r', 'two', TTL)).toBe(false);
      }
    });

    it('an expired lease goes to the next asker, and the old owner has lost it', async () => {
      await leases.acquire('reactor:r', 'one', TTL);
      clock.advance(TTL);
      expect(await leases.holder('reactor:r')).toBeNull();
      expect(await leases.acquire('reactor:r', 'two', TTL)).toBe(true);
      expect(await leases.acquire('reactor:r', 'one', TTL)).toBe(false);
      expect(await leases.holder('reactor:r')).toBe('two');
    });

    it('a release frees it at once; a release by someone else changes nothing', async () => {
      await leases.acquire('projection:a', 'one', TTL);
      await leases.release('projection:a', 'two');
      expect(await leases.acquire('projection:a', 'two', TTL)).toBe(false);
      await leases.release('projection:a', 'one');
      expect(await leases.acquire('projection:a', 'two', TTL)).toBe(true);
    });

    it('of many concurrent askers for a free lease exactly one wins', async () => {
      const won = await Promise.all(Array.from({ length: 8 }, (_, i) => leases.acquire('projection:race', `owner-${i}`, TTL)));
      expect(won.filter(Boolean)).toHaveLength(1);
    });
  });
}
