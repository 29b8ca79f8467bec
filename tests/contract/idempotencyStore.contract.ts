import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { IdempotencyStore, IdempotencyTtl } from '../../src/application/ports/idempotencyStore.js';
import { FakeClock } from '../support/fakeClock.js';

export interface IdempotencyHarness {
  store: IdempotencyStore;
  /** The same data, opened again (another instance, or a restart after a crash). */
  reopen(): Promise<IdempotencyStore>;
  cleanup(): Promise<void>;
}

export const CONTRACT_TTL: IdempotencyTtl = { completedMs: 24 * 3600_000, inProgressMs: 5 * 60_000 };

const answer = { status: 201, body: { appointmentId: 'a1' }, contentType: 'application/json' };

/** What every IdempotencyStore adapter must do; the harness builds the store with CONTRACT_TTL. */
export function idempotencyStoreContract(name: string, open: () => Promise<IdempotencyHarness>): void {
  describe(`IdempotencyStore contract: ${name}`, () => {
    let h: IdempotencyHarness;
    let clock: FakeClock;
    beforeEach(async () => { h = await open(); clock = new FakeClock(); });
    afterEach(async () => h.cleanup());

    it('claims a new key once; a repeat replays the answer, another body is a mismatch', async () => {
      expect(await h.store.claim('k', 'body-1', clock.now())).toEqual({ outcome: 'claimed' });
      expect(await h.store.claim('k', 'body-1', clock.now())).toEqual({ outcome: 'in_progress' });
      await h.store.complete('k', answer, clock.now());
      expect(await h.store.claim('k', 'body-1', clock.now())).toEqual({ outcome: 'replay', response: answer });
      expect(await h.store.claim('k', 'body-2', clock.now())).toEqual({ outcome: 'mismatch' });
    });

    it('lets exactly one of many concurrent claims of one key win', async () => {
      const outcomes = await Promise.all(Array.from({ length: 8 }, () => h.store.claim('k', 'body', clock.now())));
      expect(outcomes.filter((o) => o.outcome === 'claimed')).toHaveLength(1);
    });

    it('an unfinished key left by a crashed instance stops blocking retries after its TTL', async () => {
      await h.store.claim('k', 'body', clock.now());
      const afterRestart = await h.reopen();
      clock.advance(CONTRACT_TTL.inProgressMs - 1);
      expect(await afterRestart.claim('k', 'body', clock.now())).toEqual({ outcome: 'in_progress' });
      clock.advance(1);
      expect(await afterRestart.claim('k', 'body', clock.now())).toEqual({ outcome: 'claimed' });
      expect(await afterRestart.claim('k', 'body', clock.now())).toEqual({ outcome: 'in_progress' });
    });

    it('a completed key replays until its TTL from completion, then the key is free (for any body)', async () => {
      await h.store.claim('k', 'body', clock.now());
      clock.advance(60_000);
      await h.store.complete('k', answer, clock.now());
      clock.advance(CONTRACT_TTL.completedMs - 1);
      expect(await h.store.claim('k', 'body', clock.now())).toEqual({ outcome: 'replay', response: answer });
      clock.advance(1);
      expect(await h.store.claim('k', 'another body', clock.now())).toEqual({ outcome: 'claimed' });
    });

    it('release forgets an unfinished claim but never a completed one', async () => {
      await h.store.claim('k', 'body', clock.now());
      await h.store.release('k');
      expect(await h.store.claim('k', 'body', clock.now())).toEqual({ outcome: 'claimed' });
      await h.store.complete('k', answer, clock.now());
      await h.store.release('k');
      expect(await h.store.claim('k', 'body', clock.now())).toEqual({ outcome: 'replay', response: answer });
    });
  });
}
