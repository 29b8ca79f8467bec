import { describe, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { MongoSnapshotStore } from '../../src/infrastructure/snapshots/mongoSnapshotStore.js';
import { snapshotStoreContract } from './snapshotStore.contract.js';

/** The SnapshotStore contract against a real MongoDB (MONGODB_URL); each test gets its own database. */
const url = process.env.MONGODB_URL;

if (url) {
  snapshotStoreContract('MongoDB', async () => {
    const client = await MongoClient.connect(url);
    const db = client.db(`hv_snapshots_${randomUUID().replaceAll('-', '')}`);
    return {
      snapshots: new MongoSnapshotStore(db),
      reopen: async () => new MongoSnapshotStore(db),
      cleanup: async () => {
        await db.dropDatabase();
        await client.close();
      },
    };
  });
} else {
  describe.skip('SnapshotStore contract: MongoDB (skipped: set MONGODB_URL to run)', () => {
    it('runs the SnapshotStore contract against MongoDB', () => undefined);
  });
}
