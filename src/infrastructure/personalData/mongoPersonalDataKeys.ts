import { randomBytes } from 'node:crypto';
import { Binary, type Collection, type Db } from 'mongodb';
import type { PersonalDataKeys } from '../../application/ports/personalDataKeys.js';

const KEY_BYTES = 32;
const DUPLICATE_KEY = 11000;

interface KeyDoc {
  _id: string;
  /** Null once erased: the document stays as a tombstone so no new key is made for the person. */
  key: Binary | null;
  erasedAt?: Date;
}

/** Per-person keys in the production profile's MongoDB (collection `personal_data_keys`). */
export class MongoPersonalDataKeys implements PersonalDataKeys {
  private readonly keys: Collection<KeyDoc>;

  constructor(db: Db) {
    this.keys = db.collection<KeyDoc>('personal_data_keys');
  }

  async keyFor(ownerId: string): Promise<Buffer | null> {
    try {
      const doc = await this.keys.findOneAndUpdate(
        { _id: ownerId },
        { $setOnInsert: { key: new Binary(randomBytes(KEY_BYTES)) } },
        { upsert: true, returnDocument: 'after' },
      );
      return toBuffer(doc?.key ?? null);
    } catch (error) {
      // Two simultaneous upserts of one new _id: one wins, the other reads the winner's key.
      if ((error as { code?: number }).code !== DUPLICATE_KEY) throw error;
      return toBuffer((await this.keys.findOne({ _id: ownerId }))?.key ?? null);
    }
  }

  async keysOf(ownerIds: readonly string[]): Promise<Map<string, Buffer | null>> {
    const keys = new Map<string, Buffer | null>();
    if (ownerIds.length === 0) return keys;
    for (const doc of await this.keys.find({ _id: { $in: [...new Set(ownerIds)] } }).toArray()) keys.set(doc._id, toBuffer(doc.key));
    return keys;
  }

  async erase(ownerId: string, at: Date): Promise<void> {
    await this.keys.updateOne({ _id: ownerId, erasedAt: { $exists: false } }, { $set: { key: null, erasedAt: at } }, { upsert: true })
      .catch((error: unknown) => {
        // Already erased: the filter missed the tombstone and the upsert collided with it.
        if ((error as { code?: number }).code !== DUPLICATE_KEY) throw error;
      });
  }
}

function toBuffer(key: Binary | null): Buffer | null {
  return key ? Buffer.from(key.buffer) : null;
}
