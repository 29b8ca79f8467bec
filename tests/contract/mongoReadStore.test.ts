import { describe, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { MongoReadStore } from '../../src/infrastructure/readStore/mongoReadStore.js';
import { readStoreContract } from './readStore.contract.js';

/**
 * The same contract against a real MongoDB (e.g. `docker compose up -d mongo`, then
 * MONGODB_URL=mongodb://127.0.0.1:27017). Each test gets its own database, dropped afterwards.
 */
const url = process.env.MONGODB_URL;

if (url) {
  readStoreContract('MongoDB', async () => {
    const dbName = `hv_contract_${randomUUID().replaceAll('-', '')}`;
    let store = await MongoReadStore.connect(url, dbName);
    return {
      store,
      reopen: async () => {
        await store.close();
        store = await MongoReadStore.connect(url, dbName);
        return store;
      },
      cleanup: async () => {
        await store.close();
        const client = await MongoClient.connect(url);
        try {
          await client.db(dbName).dropDatabase();
        } finally {
          await client.close();
        }
      },
    };
  });
} else {
  describe.skip('ReadStore contract: MongoDB (skipped: set MONGODB_URL to run)', () => {
    it('runs the ReadStore contract against MongoDB', () => undefined);
  });
}
