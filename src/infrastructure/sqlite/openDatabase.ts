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
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  // Another process (the user:create CLI, a crash-test child) may hold the write lock briefly;
  // waiting for it is better than surfacing SQLITE_BUSY to a client.
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  return db;
}
