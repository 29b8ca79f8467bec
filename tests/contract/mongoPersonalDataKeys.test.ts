import { describe, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { MongoPersonalDataKeys } from '../../src/infrastructure/personalData/mongoPersonalDataKeys.js';
import { personalDataKeysContract } from './personalDataKeys.contract.js';

/**
 * The same contract against a real MongoDB (e.g. `docker compose up -d mongo`, then
 * MONGODB_URL=mongodb://127.0.0.1:27017). Each test gets its own database, dropped afterwards.
 */
const url = process.env.MONGODB_URL;

if (url) {
  personalDataKeysContract('MongoDB', async () => {
    const dbName = `hv_contract_${randomUUID().replaceAll('-', '')}`;
    const clients = [await MongoClient.connect(url)];
    return {
      keys: new MongoPersonalDataKeys(clients[0].db(dbName)),
      reopen: async () => {
        const client = await MongoClient.connect(url);
        clients.push(client);
        return new MongoPersonalDataKeys(client.db(dbName));
      },
      cleanup: async () => {
        await clients[0].db(dbName).dropDatabase();
        for (const client of clients) await client.close();
      },
    };
  });
} else {
  describe.skip('PersonalDataKeys contract: MongoDB (skipped: set MONGODB_URL to run)', () => {
    it('runs the PersonalDataKeys contract against MongoDB', () => undefined);
  });
}
