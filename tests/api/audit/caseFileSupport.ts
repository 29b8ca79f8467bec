import type { TestApp } from '../../support/testApp.js';
import { eventually } from '../../support/polling.js';

/** Test environment: the ledger signs a head after every run of events, so proofs exist as soon as it catches up. */
export const LEDGER_ENV = { LEDGER_CHECKPOINT_EVERY_EVENTS: '1' };

/** Waits until the ledger has a leaf for every event written so far and a signed head over all of them. */
export async function signedUpToNow(t: Pick<TestApp, 'services'>): Promise<void> {
  const { events, ledger } = t.services;
  const written = await events.headPosition();
  await eventually(async () => {
    const head = await ledger.queries.latestHead();
    const size = await ledger.store.size();
    if (ledger.writer.position() < written || head?.size !== size) {
      throw new Error(`ledger at position ${ledger.writer.position()} of ${written}; head covers ${head?.size ?? 0} of ${size} leaves`);
    }
  });
}
