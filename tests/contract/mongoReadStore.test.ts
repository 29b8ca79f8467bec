import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { MongoReadStore } from '../../src/infrastructure/readStore/mongoReadStore.js';
import { connectMongo, MONGO_CLIENT_OPTIONS } from '../../src/infrastructure/mongo/mongoClient.js';
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

  describe('MongoDB read store on a real server', () => {
    it('connects with the one set of client options (undefined left out, majority writes)', async () => {
      const store = await MongoReadStore.connect(url);
      try {
        const options = (store as unknown as { client: MongoClient }).client.options;
        expect(options).toMatchObject({ ignoreUndefined: MONGO_CLIENT_OPTIONS.ignoreUndefined, retryWrites: true });
      } finally {
        await store.close();
      }
    });

    it('refuses an event whose write concern the servers cannot satisfy', async () => {
      const client = await connectMongo(url);
      const dbName = `hv_contract_${randomUUID().replaceAll('-', '')}`;
      try {
        // More acknowledgements than the replica set has members: every write comes back with a write concern error.
        const store = new MongoReadStore(client.db(dbName, { writeConcern: { w: 50, wtimeoutMS: 1000 } }));
        await expect(store.apply([{ collection: 'slots', id: 's1', set: { status: 'free' } }], 1)).rejects.toThrow();
      } finally {
        await client.db(dbName).dropDatabase();
        await client.close();
      }
    });
  });
} else {
  describe.skip('ReadStore contract: MongoDB (skipped: set MONGODB_URL to run)', () => {
    it('runs the ReadStore contract against MongoDB', () => undefined);
  });
}
