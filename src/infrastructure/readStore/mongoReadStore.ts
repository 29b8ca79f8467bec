import { MongoBulkWriteError, type MongoClient, type AnyBulkWriteOperation, type Collection, type Db, type Filter as MongoFilter, type Sort } from 'mongodb';
import type {
  CollectionSpec, Document, EventWrites, Filter, FindOptions, ReadStore, Write,
} from '../../application/ports/readStore.js';
import { InvalidQuery } from '../../application/ports/readStore.js';
import { netWrites, type NetWrite } from './netWrites.js';
import { connectMongo, retryIdempotentWrite } from '../mongo/mongoClient.js';
import { checkCollection, checkLookupId, checkPath, parseFilter, parseFindOptions } from './readStoreQuery.js';

interface StoredDocument {
  _id: string;
  _position: number;
  [field: string]: unknown;
}

interface Checkpoint {
  _id: string;
  position: number;
}

const DUPLICATE_KEY = 11000;

/** The document key is `_id` in MongoDB and `id` in the port. */
function mongoPath(path: string): string {
  return path === 'id' ? '_id' : path;
}

const ASCII_LETTER = /^[A-Za-z]$/;
const ASCII_PUNCTUATION = /^[!-/:-@[-`{-~]$/;

/**
 * `$contains` as a regex that folds exactly what SQLite's lower() folds: an ASCII letter matches
 * either case (`[aA]`; the `i` option would also fold `É` and `é`). Every ASCII punctuation mark is
 * escaped, so none is a metacharacter, and NUL becomes `\x00`, which a pattern cannot hold.
 */
function containsPattern(text: string): string {
  return Array.from(text, (ch) => {
    if (ASCII_LETTER.test(ch)) return `[${ch.toLowerCase()}${ch.toUpperCase()}]`;
    if (ASCII_PUNCTUATION.test(ch)) return `\\${ch}`;
    return ch === '\0' ? '\\x00' : ch;
  }).join('');
}

/**
 * Validated filters are rebuilt rather than forwarded: only what the validator understood reaches
 * the server (no `$where`, no operator smuggled in a value).
 */
function toMongoFilter(filter: Filter | undefined): MongoFilter<StoredDocument> {
  const query: Record<string, Record<string, unknown>> = {};
  for (const c of parseFilter(filter)) {
    const path = mongoPath(c.path);
    const condition = c.op === '$contains' ? { $regex: containsPattern(c.value) } : { [c.op]: c.value };
    query[path] = { ...query[path], ...condition };
  }
  return query as MongoFilter<StoredDocument>;
}

function toDocument<T extends Document>(stored: StoredDocument): T {
  const { _id, _position: _ignored, ...fields } = stored;
  return { id: _id, ...fields } as T;
}

/**
 * Read models in MongoDB: collection `rm_<name>`, documents keyed by `_id` = id and carrying the
 * `_position` of the event that last wrote them. Checkpoints live in `projection_checkpoints`.
 */
export class MongoReadStore implements ReadStore {
  private readonly checkpoints: Collection<Checkpoint>;

  /**
   * `client`, when given, is owned by the store and closed with it. `retryWait` spaces the retries
   * of a drop across a failover (tests shorten it).
   */
  constructor(
    private readonly db: Db,
    private readonly client?: MongoClient,
    private readonly retryWait?: (attempt: number) => Promise<void>,
  ) {
    this.checkpoints = db.collection<Checkpoint>('projection_checkpoints');
  }

  static async connect(url: string, dbName?: string): Promise<MongoReadStore> {
    const client = await connectMongo(url);
    return new MongoReadStore(client.db(dbName), client);
  }

  private collection(name: string): Collection<StoredDocument> {
    return this.db.collection<StoredDocument>(`rm_${checkCollection(name)}`);
  }

  async ensureCollections(specs: CollectionSpec[]): Promise<void> {
    for (const spec of specs) {
      const collection = this.collection(spec.name);
      for (const index of spec.indexes ?? []) {
        if (index.fields.length === 0) throw new InvalidQuery(`index on ${spec.name}: no fields`);
        const paths = index.fields.map((f) => mongoPath(checkPath(f)));
        await collection.createIndex(Object.fromEntries(paths.map((p) => [p, 1])), {
          name: `${paths.join('__')}${index.unique ? '__unique' : ''}`,
          unique: index.unique ?? false,
        });
      }
    }
  }

  async apply(writes: Write[], position: number): Promise<void> {
    if (!Number.isFinite(position)) throw new InvalidQuery('the position of a write must be a finite number');
    const byCollection = new Map<string, NetWrite[]>();
    for (const write of netWrites(writes)) {
      byCollection.set(write.collection, [...(byCollection.get(write.collection) ?? []), write]);
    }
    for (const [name, group] of byCollection) await this.applyGroup(this.collection(name), group, position);
  }

  /** One event after the other, each one bulk write: there is no commit to share as in SQLite. */
  async applyInOrder(batch: EventWrites[]): Promise<void> {
    for (const { writes, position } of batch) await this.apply(writes, position);
  }

  private async applyGroup(collection: Collection<StoredDocument>, writes: NetWrite[], position: number): Promise<void> {
    const operations = writes.map((write): AnyBulkWriteOperation<StoredDocument> => {
      const filter: MongoFilter<StoredDocument> = {
        _id: write.id,
        $or: [{ _position: { $lt: position } }, { _position: { $exists: false } }],
      };
      if (write.kind === 'delete') return { deleteOne: { filter } };
      if (write.kind === 'replace') {
        return { replaceOne: { filter, replacement: { ...write.fields, _position: position }, upsert: true } };
      }
      return { updateOne: { filter, update: { $set: { ...write.fields, _position: position } }, upsert: true } };
    });
    // Net writes touch distinct documents, so their order does not matter and one failure does not stop the rest.
    try {
      await collection.bulkWrite(operations, { ordered: false });
    } catch (error) {
      if (!(error instanceof MongoBulkWriteError)) throw error;
      // Applied on the primary but not acknowledged by a majority: a step-down may roll these writes
      // back, so the event counts as not applied and the checkpoint stays before it.
      if (error.result?.getWriteConcernError()) throw error;
      const failures = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
      for (const failure of failures) {
        if (failure.code !== DUPLICATE_KEY) throw error;
        // An upsert whose guard excluded an existing, newer document tries to insert its _id again:
        // that write was already applied. Any other duplicate key is a unique index violation.
        const id = writes[failure.index].id;
        const existing = await collection.findOne({ _id: id }, { projection: { _position: 1 } });
        if (!existing || existing._position < position) throw error;
      }
    }
  }

  async get<T extends Document = Document>(collection: string, id: string): Promise<T | null> {
    const stored = await this.collection(collection).findOne({ _id: checkLookupId(id) });
    return stored ? toDocument<T>(stored) : null;
  }

  async find<T extends Document = Document>(collection: string, filter?: Filter, options?: FindOptions): Promise<T[]> {
    const target = this.collection(collection);
    const query = toMongoFilter(filter);
    const { sort, skip, limit } = parseFindOptions(options);
    // MongoDB reads limit 0 as "no limit"; the port means no documents.
    if (limit === 0) return [];
    const order: Sort = Object.fromEntries(sort.map((k) => [mongoPath(k.path), k.direction]));
    let cursor = target.find(query).sort(order).skip(skip);
    if (limit !== null) cursor = cursor.limit(limit);
    const stored = await cursor.toArray();
    return stored.map((s) => toDocument<T>(s));
  }

  async count(collection: string, filter?: Filter): Promise<number> {
    return this.collection(collection).countDocuments(toMongoFilter(filter));
  }

  async getCheckpoint(projection: string): Promise<number | null> {
    const checkpoint = await this.checkpoints.findOne({ _id: projection });
    return checkpoint ? checkpoint.position : null;
  }

  async setCheckpoint(projection: string, position: number): Promise<void> {
    await this.checkpoints.updateOne({ _id: projection }, { $set: { position } }, { upsert: true });
  }

  async drop(collections: string[], projection: string): Promise<void> {
    // deleteMany rather than dropping the collection keeps the declared indexes.
    // Emptying is idempotent, so a failover mid-way is retried rather than left half done.
    for (const name of collections) await retryIdempotentWrite(() => this.collection(name).deleteMany({}), this.retryWait);
    await retryIdempotentWrite(() => this.checkpoints.deleteOne({ _id: projection }), this.retryWait);
  }

  async ping(): Promise<void> {
    await this.db.command({ ping: 1 });
  }

  async close(): Promise<void> {
    await this.client?.close();
  }
}
