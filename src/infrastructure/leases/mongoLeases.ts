import { MongoServerError, type Collection, type Db } from 'mongodb';
import type { Clock } from '../../application/ports/clock.js';
import type { Leases } from '../../application/ports/leases.js';

interface LeaseDoc {
  _id: string;
  owner: string;
  expiresAt: Date;
}

const DUPLICATE_KEY = 11000;

/**
 * Leases as MongoDB documents (production profile). Taking one is a conditional upsert on `_id`: a
 * document held by someone else and not yet expired does not match, so the upsert tries to insert and
 * hits the unique `_id` — the caller lost. Majority writes, so a lease survives a replica-set step-down.
 * The TTL index only tidies up leases nobody renews; expiry is decided by `expiresAt` itself, since the
 * TTL monitor runs about once a minute.
 */
export class MongoLeases implements Leases {
  private readonly leases: Collection<LeaseDoc>;
  private ready: Promise<unknown> | null = null;

  constructor(db: Db, private readonly clock: Clock) {
    this.leases = db.collection<LeaseDoc>('leases', { writeConcern: { w: 'majority' } });
  }

  private indexed(): Promise<unknown> {
    this.ready ??= this.leases.createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0 }).catch((error: unknown) => {
      this.ready = null;
      throw error;
    });
    return this.ready;
  }

  async acquire(name: string, owner: string, ttlMs: number): Promise<boolean> {
    await this.indexed();
    const now = this.clock.now();
    try {
      const held = await this.leases.findOneAndUpdate(
        { _id: name, $or: [{ owner }, { expiresAt: { $lte: now } }] },
        { $set: { owner, expiresAt: new Date(now.getTime() + ttlMs) } },
        { upsert: true, returnDocument: 'after' },
      );
      return held?.owner === owner;
    } catch (error) {
      if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) return false;
      throw error;
    }
  }

  async release(name: string, owner: string): Promise<void> {
    await this.leases.deleteOne({ _id: name, owner });
  }

  async holder(name: string): Promise<string | null> {
    const lease = await this.leases.findOne({ _id: name, expiresAt: { $gt: this.clock.now() } });
    return lease?.owner ?? null;
  }
}
