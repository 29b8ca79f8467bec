import { describe, it } from '@jest/globals';
import { EventStoreDbEventStore } from '../../src/infrastructure/eventStore/eventStoreDbEventStore.js';
import { eventStoreContract } from './eventStore.contract.js';

/**
 * The same contract against a real EventStoreDB (e.g. `docker compose up -d eventstore`, then
 * EVENTSTORE_URL=esdb://127.0.0.1:2113?tls=false). Streams carry random names, so a shared server is fine.
 */
const url = process.env.EVENTSTORE_URL;

if (url) {
  eventStoreContract('EventStoreDB', async (options) => {
    let store = EventStoreDbEventStore.connect(url, options?.upcast);
    return {
      store,
      reopen: async () => {
        await store.close();
        store = EventStoreDbEventStore.connect(url, options?.upcast);
        return store;
      },
      cleanup: () => store.close(),
    };
  });
} else {
  describe.skip('EventStore contract: EventStoreDB (skipped: set EVENTSTORE_URL to run)', () => {
    it('runs the EventStore contract against EventStoreDB', () => undefined);
  });
}
