import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { Options } from 'express-rate-limit';
import { MongoRateLimitStore, type CounterCollection } from '../../../src/infrastructure/rateLimit/mongoRateLimitStore.js';
import { connectMongo } from '../../../src/infrastructure/mongo/mongoClient.js';
import { FakeClock } from '../../support/fakeClock.js';

interface Counter { _id: string; hits: number; resetTime: Date }
type Range = { $gt?: Date | number; $lte?: Date };

/**
 * The few collection calls the store makes, on a Map, with MongoDB's semantics for them: a filter
 * on `_id` plus ranges; `updateOne` with upsert inserts when nothing matches and then collides on
 * an existing `_id` (E11000), as the server does.
 */
class CounterCollectionStandIn {
  readonly docs = new Map<string, Counter>();

  private matches(doc: Counter | undefined, filter: Record<string, unknown>): doc is Counter {
    if (!doc) return false;
    return Object.entries(filter).every(([field, condition]) => {
      if (field === '_id') return doc._id === condition;
      const value = doc[field as keyof Counter] as Date | number;
      const range = condition as Range;
      return (range.$gt === undefined || value > range.$gt) && (range.$lte === undefined || value <= range.$lte);
    });
  }

  async findOne(filter: Record<string, unknown>) {
    const doc = this.docs.get(filter._id as string);
    return this.matches(doc, filter) ? { ...doc } : null;
  }

  async findOneAndUpdate(filter: Record<string, unknown>, update: { $inc: { hits: number } }) {
    const doc = this.docs.get(filter._id as string);
    if (!this.matches(doc, filter)) return null;
    doc.hits += update.$inc.hits;
    return { ...doc };
  }

  async updateOne(filter: Record<string, unknown>, update: { $set?: Partial<Counter>; $inc?: { hits: number } }, options?: { upsert?: boolean }) {
    const id = filter._id as string;
    const doc = this.docs.get(id);
    if (this.matches(doc, filter)) {
      Object.assign(doc, update.$set);
      if (update.$inc) doc.hits += update.$inc.hits;
      return { matchedCount: 1 };
    }
    if (!options?.upsert) return { matchedCount: 0 };
    if (doc) throw Object.assign(new Error('E11000 duplicate key error'), { code: 11000 });
    this.docs.set(id, { _id: id, hits: 0, resetTime: new Date(0), ...update.$set });
    return { matchedCount: 0, upsertedCount: 1 };
  }

  async deleteOne(filter: { _id: string }) { this.docs.delete(filter._id); }
  async deleteMany() { this.docs.clear(); }
  async createIndex() { return 'resetTime_ttl'; }
}

const WINDOW = 60_000;
const options = { windowMs: WINDOW } as Options;

function storesOver(collection: CounterCollection, clock: FakeClock) {
  return async (count: number) => {
    const stores = Array.from({ length: count }, () => new MongoRateLimitStore(collection, clock));
    for (const store of stores) await store.init(options);
    return stores;
  };
}

function rateLimitStoreContract(name: string, open: () => Promise<{ collection: CounterCollection; close(): Promise<void> }>) {
  describe(`the shared rate-limit store: ${name}`, () => {
    it('counts the hits of every instance against one limit, per key', async () => {
      const { collection, close } = await open();
      try {
        const clock = new FakeClock();
        const [a, b, c] = await storesOver(collection, clock)(3);
        const hits = [];
        for (const store of [a, b, c, a, b, c]) hits.push((await store.increment('global:10.0.0.1')).totalHits);
        expect(hits).toEqual([1, 2, 3, 4, 5, 6]);
        expect((await b.increment('global:10.0.0.2')).totalHits).toBe(1);
        expect((await c.get('global:10.0.0.1'))?.totalHits).toBe(6);
      } finally {
        await close();
      }
    });

    it('starts a new window once the old one has ended, with its reset time a window ahead', async () => {
      const { collection, close } = await open();
      try {
        const clock = new FakeClock();
        const [a, b] = await storesOver(collection, clock)(2);
        const first = await a.increment('k');
        await b.increment('k');
        expect(first.resetTime).toEqual(new Date(clock.now().getTime() + WINDOW));
        clock.advance(WINDOW - 1);
        expect((await a.increment('k')).totalHits).toBe(3);
        clock.advance(1);
        expect(await b.get('k')).toBeUndefined();
        const fresh = await b.increment('k');
        expect(fresh).toEqual({ totalHits: 1, resetTime: new Date(clock.now().getTime() + WINDOW) });
      } finally {
        await close();
      }
    });

    it('lets concurrent first hits of many instances open one window between them', async () => {
      const { collection, close } = await open();
      try {
        const clock = new FakeClock();
        const stores = await storesOver(collection, clock)(5);
        const counts = await Promise.all(stores.map((s) => s.increment('k')));
        expect(counts.map((c) => c.totalHits).sort()).toEqual([1, 2, 3, 4, 5]);
      } finally {
        await close();
      }
    });

    it('decrements (a request not counted after all) and resets a key', async () => {
      const { collection, close } = await open();
      try {
        const clock = new FakeClock();
        const [a, b] = await storesOver(collection, clock)(2);
        await a.increment('k');
        await a.increment('k');
        await b.decrement('k');
        expect((await a.get('k'))?.totalHits).toBe(1);
        await b.resetKey('k');
        expect(await a.get('k')).toBeUndefined();
      } finally {
        await close();
      }
    });
  });
}

rateLimitStoreContract('collection stand-in', async () => ({
  collection: new CounterCollectionStandIn() as unknown as CounterCollection,
  close: async () => {},
}));

const url = process.env.MONGODB_URL;
if (url) {
  rateLimitStoreContract('MongoDB', async () => {
    const client = await connectMongo(url);
    const db = client.db(`hv_ratelimit_${randomUUID().replaceAll('-', '')}`);
    return {
      collection: db.collection('rate_limits') as unknown as CounterCollection,
      close: async () => { await db.dropDatabase(); await client.close(); },
    };
  });
} else {
  describe.skip('the shared rate-limit store: MongoDB (skipped: set MONGODB_URL to run)', () => {
    it('runs the rate-limit store contract against MongoDB', () => undefined);
  });
}
