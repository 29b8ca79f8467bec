import type { Collection } from 'mongodb';
import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit';
import type { Clock } from '../../application/ports/clock.js';

interface Counter {
  _id: string;
  hits: number;
  /** The window ends here; a TTL index removes the counter afterwards. */
  resetTime: Date;
}

/** The collection calls the store makes (a narrow seam, so its logic can be tested without a server). */
export type CounterCollection = Pick<Collection<Counter>, 'findOneAndUpdate' | 'updateOne' | 'deleteOne' | 'deleteMany' | 'findOne' | 'createIndex'>;

const DUPLICATE_KEY = 11000;
/** Two instances opening the same new window collide at most once each; this bounds the loop anyway. */
const ATTEMPTS = 5;

/**
 * express-rate-limit's `Store` on MongoDB: one fixed-window counter per key, shared by every
 * instance, so N instances behind a balancer allow the configured limit in all, not N times it.
 * (The npm `rate-limit-mongo` needs the mongodb 3 driver.) Each hit is one atomic update: it counts
 * in the live window, or — when the window has ended or never began — starts a new one; two
 * instances starting the same window collide on `_id` and the loser counts in the winner's window.
 */
export class MongoRateLimitStore implements Store {
  readonly localKeys = false;
  private windowMs = 60_000;

  constructor(private readonly counters: CounterCollection, private readonly clock: Clock) {}

  async init(options: Options): Promise<void> {
    this.windowMs = options.windowMs;
    await this.counters.createIndex({ resetTime: 1 }, { name: 'resetTime_ttl', expireAfterSeconds: 0 });
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const counter = await this.counters.findOne({ _id: key, resetTime: { $gt: this.clock.now() } });
    return counter ? { totalHits: counter.hits, resetTime: counter.resetTime } : undefined;
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    for (let attempt = 1; ; attempt += 1) {
      const now = this.clock.now();
      const counted = await this.counters.findOneAndUpdate(
        { _id: key, resetTime: { $gt: now } }, { $inc: { hits: 1 } }, { returnDocument: 'after' },
      );
      if (counted) return { totalHits: counted.hits, resetTime: counted.resetTime };
      const window = { hits: 1, resetTime: new Date(now.getTime() + this.windowMs) };
      try {
        await this.counters.updateOne({ _id: key, resetTime: { $lte: now } }, { $set: window }, { upsert: true });
        return { totalHits: window.hits, resetTime: window.resetTime };
      } catch (error) {
        if ((error as { code?: number }).code !== DUPLICATE_KEY || attempt >= ATTEMPTS) throw error;
      }
    }
  }

  async decrement(key: string): Promise<void> {
    await this.counters.updateOne({ _id: key, resetTime: { $gt: this.clock.now() }, hits: { $gt: 0 } }, { $inc: { hits: -1 } });
  }

  async resetKey(key: string): Promise<void> {
    await this.counters.deleteOne({ _id: key });
  }

  async resetAll(): Promise<void> {
    await this.counters.deleteMany({});
  }
}
