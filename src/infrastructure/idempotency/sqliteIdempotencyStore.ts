import type Database from 'better-sqlite3';
import {
  DEFAULT_IDEMPOTENCY_TTL, type Claim, type IdempotencyStore, type IdempotencyTtl, type StoredResponse,
} from '../../application/ports/idempotencyStore.js';

/** Expired keys are deleted in small batches, at most this often (by the request clock). */
const SWEEP_EVERY_MS = 60_000;
const SWEEP_BATCH = 500;

/**
 * Keys carry `expires_at` (epoch ms): a claim pushes it `inProgressMs` ahead, a completion
 * `completedMs` ahead. An expired key is treated as absent at once; sweeps remove them later.
 */
export class SqliteIdempotencyStore implements IdempotencyStore {
  private readonly insert;
  private readonly select;
  private readonly update;
  private readonly remove;
  private readonly removeExpired;
  private lastSweep = 0;

  constructor(db: Database.Database, private readonly ttl: IdempotencyTtl = DEFAULT_IDEMPOTENCY_TTL) {
    db.exec(`CREATE TABLE IF NOT EXISTS idempotency_keys (
      key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, created_at TEXT NOT NULL, response TEXT, expires_at INTEGER)`);
    const columns = db.prepare<[], { name: string }>('PRAGMA table_info(idempotency_keys)').all();
    if (!columns.some((c) => c.name === 'expires_at')) {
      // Keys from before expiry existed get the completed TTL from their creation.
      db.transaction(() => {
        db.exec('ALTER TABLE idempotency_keys ADD COLUMN expires_at INTEGER');
        db.prepare("UPDATE idempotency_keys SET expires_at = CAST(strftime('%s', created_at) AS INTEGER) * 1000 + ?").run(ttl.completedMs);
      }).immediate();
    }
    db.exec('CREATE INDEX IF NOT EXISTS idempotency_keys_expiry ON idempotency_keys (expires_at)');
    this.insert = db.prepare(`INSERT INTO idempotency_keys (key, fingerprint, created_at, expires_at) VALUES (@key, @fingerprint, @createdAt, @expiresAt)
      ON CONFLICT (key) DO UPDATE SET fingerprint = excluded.fingerprint, created_at = excluded.created_at, response = NULL, expires_at = excluded.expires_at
      WHERE idempotency_keys.expires_at <= @now`);
    this.select = db.prepare<[string], { fingerprint: string; response: string | null }>(
      'SELECT fingerprint, response FROM idempotency_keys WHERE key = ?');
    this.update = db.prepare('UPDATE idempotency_keys SET response = ?, expires_at = ? WHERE key = ?');
    this.remove = db.prepare('DELETE FROM idempotency_keys WHERE key = ? AND response IS NULL');
    this.removeExpired = db.prepare('DELETE FROM idempotency_keys WHERE key IN (SELECT key FROM idempotency_keys WHERE expires_at <= ? LIMIT ?)');
  }

  async claim(key: string, fingerprint: string, now: Date): Promise<Claim> {
    const at = now.getTime();
    this.sweepNowAndThen(at);
    // One statement claims a free key or takes over an expired one, so two claims cannot both win.
    const claimed = this.insert.run({ key, fingerprint, createdAt: now.toISOString(), expiresAt: at + this.ttl.inProgressMs, now: at });
    if (claimed.changes === 1) return { outcome: 'claimed' };
    const row = this.select.get(key);
    if (!row) return this.claim(key, fingerprint, now);
    if (row.fingerprint !== fingerprint) return { outcome: 'mismatch' };
    return row.response ? { outcome: 'replay', response: JSON.parse(row.response) as StoredResponse } : { outcome: 'in_progress' };
  }

  async complete(key: string, response: StoredResponse, now: Date): Promise<void> {
    this.update.run(JSON.stringify(response), now.getTime() + this.ttl.completedMs, key);
  }

  async release(key: string): Promise<void> {
    this.remove.run(key);
  }

  private sweepNowAndThen(now: number): void {
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    this.removeExpired.run(now, SWEEP_BATCH);
  }
}
