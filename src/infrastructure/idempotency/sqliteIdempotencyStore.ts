import type Database from 'better-sqlite3';
import type { Claim, IdempotencyStore, StoredResponse } from '../../application/ports/idempotencyStore.js';

export class SqliteIdempotencyStore implements IdempotencyStore {
  private readonly insert;
  private readonly select;
  private readonly update;
  private readonly remove;

  constructor(db: Database.Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS idempotency_keys (
      key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, created_at TEXT NOT NULL, response TEXT)`);
    this.insert = db.prepare('INSERT OR IGNORE INTO idempotency_keys (key, fingerprint, created_at) VALUES (?, ?, ?)');
    this.select = db.prepare<[string], { fingerprint: string; response: string | null }>(
      'SELECT fingerprint, response FROM idempotency_keys WHERE key = ?');
    this.update = db.prepare('UPDATE idempotency_keys SET response = ? WHERE key = ?');
    this.remove = db.prepare('DELETE FROM idempotency_keys WHERE key = ? AND response IS NULL');
  }

  async claim(key: string, fingerprint: string, now: Date): Promise<Claim> {
    if (this.insert.run(key, fingerprint, now.toISOString()).changes === 1) return { outcome: 'claimed' };
    const row = this.select.get(key);
    if (!row) return this.claim(key, fingerprint, now);
    if (row.fingerprint !== fingerprint) return { outcome: 'mismatch' };
    return row.response ? { outcome: 'replay', response: JSON.parse(row.response) as StoredResponse } : { outcome: 'in_progress' };
  }

  async complete(key: string, response: StoredResponse): Promise<void> {
    this.update.run(JSON.stringify(response), key);
  }

  async release(key: string): Promise<void> {
    this.remove.run(key);
  }
}
