import type Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import type { PersonalDataKeys } from '../../application/ports/personalDataKeys.js';

const KEY_BYTES = 32;

/**
 * Per-person keys in the embedded profile's SQLite file. An erased key's row stays as a tombstone
 * (key NULL) so no new key is ever made for that person.
 */
export class SqlitePersonalDataKeys implements PersonalDataKeys {
  private readonly insert;
  private readonly select;
  private readonly shred;
  private readonly secureDelete;

  constructor(private readonly db: Database.Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS personal_data_keys (
      owner_id TEXT PRIMARY KEY, key BLOB, erased_at TEXT)`);
    this.insert = db.prepare('INSERT OR IGNORE INTO personal_data_keys (owner_id, key) VALUES (?, ?)');
    this.select = db.prepare<[string], { key: Buffer | null }>('SELECT key FROM personal_data_keys WHERE owner_id = ?');
    this.shred = db.prepare(`INSERT INTO personal_data_keys (owner_id, key, erased_at) VALUES (?, NULL, ?)
      ON CONFLICT (owner_id) DO UPDATE SET key = NULL, erased_at = COALESCE(erased_at, excluded.erased_at)`);
    this.secureDelete = db.prepare<[], { secure_delete: number }>('PRAGMA secure_delete');
  }

  async keyFor(ownerId: string): Promise<Buffer | null> {
    // INSERT OR IGNORE in one synchronous statement: of two racing creators the second keeps the first's key.
    this.insert.run(ownerId, randomBytes(KEY_BYTES));
    return this.select.get(ownerId)?.key ?? null;
  }

  async keysOf(ownerIds: readonly string[]): Promise<Map<string, Buffer | null>> {
    const keys = new Map<string, Buffer | null>();
    for (const ownerId of new Set(ownerIds)) {
      const row = this.select.get(ownerId);
      if (row) keys.set(ownerId, row.key);
    }
    return keys;
  }

  async erase(ownerId: string, at: Date): Promise<void> {
    // secure_delete zeroes the overwritten key bytes in the page; the WAL checkpoint then drops the
    // older page versions that still held them, so the key does not linger in the file.
    const before = this.secureDelete.get()?.secure_delete ?? 0;
    this.db.pragma('secure_delete = ON');
    try {
      this.shred.run(ownerId, at.toISOString());
    } finally {
      this.db.pragma(`secure_delete = ${before ? 'ON' : 'OFF'}`);
    }
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }
}
