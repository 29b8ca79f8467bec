import { describe, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { MongoLeases } from '../../src/infrastructure/leases/mongoLeases.js';
import { leasesContract } from './leases.contract.js';

/** The Leases contract against a real MongoDB (MONGODB_URL); each test gets its own database. */
const url = process.env.MONGODB_URL;

if (url) {
  leasesContract('MongoDB', async (clock) => {
    const client = await MongoClient.connect(url);
    const db = client.db(`hv_leases_${randomUUID().replaceAll('-', '')}`);
    return {
      leases: new MongoLeases(db, clock),
      cleanup: async () => {
        await db.dropDatabase();
        await client.close();
      },
    };
  });
} else {
  describe.skip('Leases contract: MongoDB (skipped: set MONGODB_URL to run)', () => {
    it('runs the Leases contract against MongoDB', () => undefined);
  });
}
