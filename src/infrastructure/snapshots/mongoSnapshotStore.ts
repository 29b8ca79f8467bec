import { MongoServerError, type Collection, type Db } from 'mongodb';
import type { Snapshot, SnapshotStore } from '../../application/ports/snapshotStore.js';

interface SnapshotDoc {
  _id: string;
  revision: number;
  eventId: string;
  schema: number;
  /** JSON text: state keys (ids chosen by clients) need not be valid MongoDB field names. */
  state: string;
}

const DUPLICATE_KEY = 11000;

/**
 * Snapshots as MongoDB documents, one per stream (the newest). Saving is an upsert that matches only
 * an older snapshot: a newer one does not match, the upsert tries to insert and hits the unique `_id`,
 * and the older save is dropped.
 */
export class MongoSnapshotStore implements SnapshotStore {
  private readonly snapshots: Collection<SnapshotDoc>;

  constructor(db: Db) {
    this.snapshots = db.collection<SnapshotDoc>('stream_snapshots');
  }

  async load(streamId: string): Promise<Snapshot | null> {
    const doc = await this.snapshots.findOne({ _id: streamId });
    return doc ? { revision: doc.revision, eventId: doc.eventId, schema: doc.schema, state: JSON.parse(doc.state) as unknown } : null;
  }

  async save(streamId: string, snapshot: Snapshot): Promise<void> {
    try {
      await this.snapshots.updateOne(
        { _id: streamId, revision: { $lt: snapshot.revision } },
        { $set: { revision: snapshot.revision, eventId: snapshot.eventId, schema: snapshot.schema, state: JSON.stringify(snapshot.state) } },
        { upsert: true },
      );
    } catch (error) {
      if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) return;
      throw error;
    }
  }
}
