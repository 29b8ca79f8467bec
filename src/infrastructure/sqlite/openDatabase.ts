import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type SynchronousMode = 'full' | 'normal';

/**
 * One SQLite file holds the embedded profile's events, read models and jobs. Pragmas are set on every
 * open: an existing WAL file can report a different `synchronous` than the one we want.
 *
 * Several processes may share the file, so every write transaction here begins IMMEDIATE: a deferred
 * one that has read first cannot wait for another process's write lock (busy_timeout does not apply
 * to an upgrade) and fails at once with "database is locked".
 */
export function openDatabase(file: string, synchronous: SynchronousMode = 'full'): Database.Database {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  // Another process (the user:create CLI, a crash-test child) may hold the write lock briefly;
  // waiting for it is better than surfacing SQLITE_BUSY to a client.
  const db = new Database(file, { timeout: LOCK_WAIT_MS });
  switchToWal(db);
  db.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma('foreign_keys = ON');
  return db;
}

const LOCK_WAIT_MS = 5_000;
const RETRY_PAUSE_MS = 5;

/**
 * Two processes opening a fresh file at once both read it (rollback mode) and then both need the
 * exclusive lock to switch it to WAL. SQLite sees the deadlock and fails one of them at once, without
 * the busy timeout; by the time it retries the other has switched, so the retry finds WAL and is quick.
 */
function switchToWal(db: Database.Database): void {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      const busy = error instanceof Database.SqliteError && error.code.startsWith('SQLITE_BUSY');
      if (!busy || Date.now() >= deadline) throw error;
      // Opening is synchronous everywhere it is called (start-up, a CLI, a worker), so a short blocking pause is fine.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, RETRY_PAUSE_MS);
    }
  }
}
