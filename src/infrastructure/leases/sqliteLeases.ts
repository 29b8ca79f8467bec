import type Database from 'better-sqlite3';
import type { Clock } from '../../application/ports/clock.js';
import type { Leases } from '../../application/ports/leases.js';

/**
 * Leases as rows of the embedded profile's SQLite file: every process on the same DATA_DIR shares
 * them. Taking one is a single upsert that only overwrites a row that is the caller's own or expired,
 * so two processes racing for a free lease cannot both win (SQLite serialises the writes).
 */
export class SqliteLeases implements Leases {
  private readonly take;
  private readonly drop;
  private readonly read;

  constructor(db: Database.Database, private readonly clock: Clock) {
    db.exec(`CREATE TABLE IF NOT EXISTS leases (
      name TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at INTEGER NOT NULL
    ) STRICT`);
    this.take = db.prepare<[string, string, number, number]>(`INSERT INTO leases (name, owner, expires_at) VALUES (?, ?, ?)
      ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
      WHERE leases.owner = excluded.owner OR leases.expires_at <= ?`);
    this.drop = db.prepare<[string, string]>('DELETE FROM leases WHERE name = ? AND owner = ?');
    this.read = db.prepare<[string, number], { owner: string }>('SELECT owner FROM leases WHERE name = ? AND expires_at > ?');
  }

  async acquire(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const now = this.clock.now().getTime();
    return this.take.run(name, owner, now + ttlMs, now).changes === 1;
  }

  async release(name: string, owner: string): Promise<void> {
    this.drop.run(name, owner);
  }

  async holder(name: string): Promise<string | null> {
    return this.read.get(name, this.clock.now().getTime())?.owner ?? null;
  }
}
