import type Database from 'better-sqlite3';
import type { Snapshot, SnapshotStore } from '../../application/ports/snapshotStore.js';

interface Row { revision: number; event_id: string; schema: number; state: string }

/** Snapshots in the embedded profile's database, one row per stream (the newest). */
export class SqliteSnapshotStore implements SnapshotStore {
  private readonly select;
  private readonly upsert;

  constructor(db: Database.Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS stream_snapshots (
      stream_id TEXT PRIMARY KEY, revision INTEGER NOT NULL, event_id TEXT NOT NULL, schema INTEGER NOT NULL, state TEXT NOT NULL)`);
    this.select = db.prepare<[string], Row>('SELECT revision, event_id, schema, state FROM stream_snapshots WHERE stream_id = ?');
    this.upsert = db.prepare(`INSERT INTO stream_snapshots (stream_id, revision, event_id, schema, state)
      VALUES (@streamId, @revision, @eventId, @schema, @state)
      ON CONFLICT (stream_id) DO UPDATE SET revision = excluded.revision, event_id = excluded.event_id,
        schema = excluded.schema, state = excluded.state
      WHERE excluded.revision > stream_snapshots.revision`);
  }

  load(streamId: string): Promise<Snapshot | null> {
    const row = this.select.get(streamId);
    if (!row) return Promise.resolve(null);
    return Promise.resolve({ revision: row.revision, eventId: row.event_id, schema: row.schema, state: JSON.parse(row.state) as unknown });
  }

  save(streamId: string, snapshot: Snapshot): Promise<void> {
    this.upsert.run({ streamId, revision: snapshot.revision, eventId: snapshot.eventId, schema: snapshot.schema, state: JSON.stringify(snapshot.state) });
    return Promise.resolve();
  }
}
