import { describe } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { createMongoScheduler } from '../../src/infrastructure/scheduling/agendaScheduler.js';
import { schedulerContract, type SchedulerStore } from './scheduler.contract.js';

/**
 * The scheduler contract on `@agendajs/mongo-backend` against a real MongoDB (e.g.
 * `docker compose up -d mongo`, then MONGODB_URL=mongodb://127.0.0.1:27017). Each test gets its own
 * database; every open() has its own client, as a separate worker process would.
 */
const url = process.env.MONGODB_URL;

async function onFreshDatabase(mongoUrl: string): Promise<SchedulerStore> {
  const dbName = `hv_scheduler_${randomUUID().replaceAll('-', '')}`;
  return {
    open: async (options) => {
      const client = await MongoClient.connect(mongoUrl);
      const scheduler = createMongoScheduler(client.db(dbName), options);
      return {
        scheduler,
        close: async () => {
          await scheduler.stop();
          await client.close();
        },
      };
    },
    destroy: async () => {
      const client = await MongoClient.connect(mongoUrl);
      try {
        await client.db(dbName).dropDatabase();
      } finally {
        await client.close();
      }
    },
  };
}

if (url) {
  schedulerContract('Agenda on MongoDB', () => onFreshDatabase(url));
} else {
  schedulerContract('Agenda on MongoDB (skipped: set MONGODB_URL to run)', () => onFreshDatabase(''), describe.skip);
}
