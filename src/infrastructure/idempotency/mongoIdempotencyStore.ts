import type { Collection, Db } from 'mongodb';
import type { Claim, IdempotencyStore, StoredResponse } from '../../application/ports/idempotencyStore.js';

interface KeyDoc {
  _id: string;
  fingerprint: string;
  createdAt: Date;
  response?: StoredResponse;
}

const DUPLICATE_KEY = 11000;

export class MongoIdempotencyStore implements IdempotencyStore {
  private readonly keys: Collection<KeyDoc>;

  constructor(db: Db) {
    this.keys = db.collection<KeyDoc>('idempotency_keys');
  }

  async claim(key: string, fingerprint: string, now: Date): Promise<Claim> {
    try {
      await this.keys.insertOne({ _id: key, fingerprint, createdAt: now });
      return { outcome: 'claimed' };
    } catch (error) {
      if ((error as { code?: number }).code !== DUPLICATE_KEY) throw error;
    }
    const doc = await this.keys.findOne({ _id: key });
    if (!doc) return this.claim(key, fingerprint, now);
    if (doc.fingerprint !== fingerprint) return { outcome: 'mismatch' };
    return doc.response ? { outcome: 'replay', response: doc.response } : { outcome: 'in_progress' };
  }

  async complete(key: string, response: StoredResponse): Promise<void> {
    await this.keys.updateOne({ _id: key }, { $set: { response } });
  }

  async release(key: string): Promise<void> {
    await this.keys.deleteOne({ _id: key, response: { $exists: false } });
  }
}
