import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { Snapshot, SnapshotStore } from '../../src/application/ports/snapshotStore.js';

export interface SnapshotStoreHarness {
  snapshots: SnapshotStore;
  /** A second handle on the same storage (another instance), or the same store when there is none. */
  reopen(): Promise<SnapshotStore>;
  cleanup(): Promise<void>;
}

const at = (revision: number, state: unknown = { n: revision }, schema = 1): Snapshot => ({ revision, eventId: `e-${revision}`, schema, state });

/** The SnapshotStore contract: the newest snapshot per stream, state as JSON round-trips it. */
export function snapshotStoreContract(name: string, factory: () => Promise<SnapshotStoreHarness>): void {
  describe(`SnapshotStore contract: ${name}`, () => {
    let harness: SnapshotStoreHarness;
    let snapshots: SnapshotStore;

    beforeEach(async () => {
      harness = await factory();
      snapshots = harness.snapshots;
    });
    afterEach(async () => { await harness.cleanup(); });

    it('has no snapshot of a stream nobody saved', async () => {
      expect(await snapshots.load('wallet-nobody')).toBeNull();
    });

    it('gives back what was saved, state included, per stream', async () => {
      const state = { balancePaise: 500, reservations: { 'r.1': { status: 'held', expiresAt: '2026-01-01T00:00:00.000Z' } }, 'a$b': [1, null] };
      await snapshots.save('wallet-a', at(99, state));
      await snapshots.save('wallet-b', at(5));
      expect(await (await harness.reopen()).load('wallet-a')).toEqual(at(99, state));
      expect(await snapshots.load('wallet-b')).toEqual(at(5));
    });

    it('keeps the newest: a newer snapshot replaces, an older or equal one is dropped', async () => {
      await snapshots.save('s', at(100));
      await snapshots.save('s', at(200));
      expect(await snapshots.load('s')).toEqual(at(200));
      await snapshots.save('s', at(150));
      await snapshots.save('s', at(200, { other: true }));
      expect(await snapshots.load('s')).toEqual(at(200));
    });

    it('keeps the newest when two instances save at once', async () => {
      const other = await harness.reopen();
      await Promise.all([snapshots.save('s', at(300)), other.save('s', at(100)), other.save('s', at(200))]);
      expect(await snapshots.load('s')).toEqual(at(300));
    });
  });
}
