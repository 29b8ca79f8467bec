import { EventStoreDbEventStore } from '../../src/infrastructure/eventStore/eventStoreDbEventStore.js';
import { eventStoreContract } from './eventStore.contract.js';
import { InMemoryEventStoreDb } from './fixtures/inMemoryEventStoreDb.js';

/**
 * The EventStoreDB adapter's own logic under the contract, over an in-memory model of the server
 * (see the fixture for what it models). The run against a real server is eventStoreDbEventStore.test.ts.
 */
eventStoreContract('EventStoreDB adapter over an in-memory model of the server', async (options) => {
  const server = new InMemoryEventStoreDb();
  let store = new EventStoreDbEventStore(server.client(), options?.upcast);
  return {
    store,
    reopen: async () => {
      await store.close();
      store = new EventStoreDbEventStore(server.client(), options?.upcast);
      return store;
    },
    cleanup: () => store.close(),
  };
});
