import Database from 'better-sqlite3';
import type { SynchronousMode } from '../src/infrastructure/sqlite/openDatabase.js';

/**
 * The ceiling both benches compare against: plain better-sqlite3 doing only what an append must —
 * read the stream's max revision and insert the next one, one transaction per append.
 */
export function bareAppender(file: string, mode: SynchronousMode): { append(stream: string, data: string): number; close(): void } {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${mode === 'full' ? 'FULL' : 'NORMAL'}`);
  db.exec(`CREATE TABLE IF NOT EXISTS events (position INTEGER PRIMARY KEY AUTOINCREMENT, stream_id TEXT NOT NULL,
    revision INTEGER NOT NULL, data TEXT NOT NULL, UNIQUE (stream_id, revision))`);
  const max = db.prepare<[string], { r: number | null }>('SELECT MAX(revision) AS r FROM events WHERE stream_id = ?');
  const insert = db.prepare('INSERT INTO events (stream_id, revision, data) VALUES (?, ?, ?)');
  const append = db.transaction((stream: string, data: string) => {
    const r = max.get(stream)?.r ?? -1;
    return Number(insert.run(stream, r + 1, data).lastInsertRowid);
  });
  return { append, close: () => db.close() };
}
