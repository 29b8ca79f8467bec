import type { Collection, Db } from 'mongodb';
import {
  DEFAULT_IDEMPOTENCY_TTL, type Claim, type IdempotencyStore, type IdempotencyTtl, type StoredResponse,
} from '../../application/ports/idempotencyStore.js';

interface KeyDoc {
  _id: string;
  fingerprint: string;
  createdAt: Date;
  /** A TTL index removes the key after this instant (MongoDB's monitor runs about once a minute). Absent on keys stored before expiry existed. */
  expiresAt?: Date;
  response?: StoredResponse;
}

const DUPLICATE_KEY = 11000;

/**
 * Keys in `idempotency_keys`. A claim's `expiresAt` is `inProgressMs` ahead, a completion's
 * `completedMs` ahead; the TTL index deletes expired keys, and until it does a claim treats them as absent.
 */
export class MongoIdempotencyStore implements IdempotencyStore {
  private readonly keys: Collection<KeyDoc>;

  constructor(db: Db, private readonly ttl: IdempotencyTtl = DEFAULT_IDEMPOTENCY_TTL) {
    this.keys = db.collection<KeyDoc>('idempotency_keys');
  }

  /** Idempotent: every instance runs it at start. */
  async ensureIndexes(): Promise<void> {
    await this.keys.createIndex({ expiresAt: 1 }, { name: 'expiresAt_ttl', expireAfterSeconds: 0 });
  }

  async claim(key: string, fingerprint: string, now: Date): Promise<Claim> {
    const fresh: KeyDoc = { _id: key, fingerprint, createdAt: now, expiresAt: new Date(now.getTime() + this.ttl.inProgressMs) };
    try {
      // Inserts a free key or takes over an expired one; a live key makes the upsert collide instead.
      const expired = [
        { expiresAt: { $lte: now } },
        { expiresAt: { $exists: false }, createdAt: { $lte: new Date(now.getTime() - this.ttl.completedMs) } },
      ];
      await this.keys.replaceOne({ _id: key, $or: expired }, fresh, { upsert: true });
      return { outcome: 'claimed' };
    } catch (error) {
      if ((error as { code?: number }).code !== DUPLICATE_KEY) throw error;
    }
    const doc = await this.keys.findOne({ _id: key });
    if (!doc || this.expiryOf(doc) <= now) return this.claim(key, fingerprint, now);
    if (doc.fingerprint !== fingerprint) return { outcome: 'mismatch' };
    return doc.response ? { outcome: 'replay', response: doc.response } : { outcome: 'in_progress' };
  }

  async complete(key: string, response: StoredResponse, now: Date): Promise<void> {
    await this.keys.updateOne({ _id: key }, { $set: { response, expiresAt: new Date(now.getTime() + this.ttl.completedMs) } });
  }

  private expiryOf(doc: KeyDoc): Date {
    return doc.expiresAt ?? new Date(doc.createdAt.getTime() + this.ttl.completedMs);
  }

  async release(key: string): Promise<void> {
    await this.keys.deleteOne({ _id: key, response: { $exists: false } });
  }
}
