import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { MongoClient } from 'mongodb';
import { MongoIdempotencyStore } from '../../src/infrastructure/idempotency/mongoIdempotencyStore.js';
import { connectMongo } from '../../src/infrastructure/mongo/mongoClient.js';
import { CONTRACT_TTL, idempotencyStoreContract } from './idempotencyStore.contract.js';

/**
 * The same contract against a real MongoDB (e.g. `docker compose up -d mongo`, then
 * MONGODB_URL=mongodb://127.0.0.1:27017). Each test gets its own database, dropped afterwards.
 */
const url = process.env.MONGODB_URL;

if (url) {
  const opened = async (client: MongoClient, dbName: string) => {
    const store = new MongoIdempotencyStore(client.db(dbName), CONTRACT_TTL);
    await store.ensureIndexes();
    return store;
  };
  idempotencyStoreContract('MongoDB', async () => {
    const dbName = `hv_contract_${randomUUID().replaceAll('-', '')}`;
    const clients = [await connectMongo(url)];
    return {
      store: await opened(clients[0], dbName),
      reopen: async () => {
        const client = await connectMongo(url);
        clients.push(client);
        return opened(client, dbName);
      },
      cleanup: async () => {
        await clients[0].db(dbName).dropDatabase();
        for (const client of clients) await client.close();
      },
    };
  });

  it('declares a TTL index, so MongoDB itself deletes expired keys', async () => {
    const client = await connectMongo(url);
    const db = client.db(`hv_contract_${randomUUID().replaceAll('-', '')}`);
    try {
      await new MongoIdempotencyStore(db, CONTRACT_TTL).ensureIndexes();
      const indexes = await db.collection('idempotency_keys').indexes();
      expect(indexes).toContainEqual(expect.objectContaining({ key: { expiresAt: 1 }, expireAfterSeconds: 0 }));
    } finally {
      await db.dropDatabase();
      await client.close();
    }
  });
} else {
  describe.skip('IdempotencyStore contract: MongoDB (skipped: set MONGODB_URL to run)', () => {
    it('runs the IdempotencyStore contract against MongoDB', () => undefined);
  });
}
