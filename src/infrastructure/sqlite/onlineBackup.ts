import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { verifyChain } from '../../application/eventSourcing/eventChain.js';
import { SqliteEventStore } from '../eventStore/sqliteEventStore.js';

export interface BackupVerdict {
  streams: number;
  events: number;
  /** Streams whose hash chain does not hold in the copy, with the first revision that breaks it. */
  broken: { streamId: string; firstBrokenRevision?: number }[];
}

/**
 * Copies the embedded store while the service keeps writing to it. SQLite's online backup reads a
 * consistent snapshot through its own connection; in WAL mode that never blocks the service's writer.
 * Everything is copied in one step after the first: a multi-step copy restarts whenever another
 * connection writes in between, which a busy service does all the time.
 */
export async function backupSqliteFile(sourceFile: string, targetFile: string): Promise<void> {
  if (!existsSync(sourceFile)) throw new Error(`No store at ${sourceFile} (is DATA_DIR right?)`);
  if (existsSync(targetFile)) throw new Error(`${targetFile} exists; backups never overwrite a file`);
  const source = new Database(sourceFile, { fileMustExist: true });
  try {
    source.pragma('busy_timeout = 5000');
    await source.backup(targetFile, { progress: ({ totalPages }) => totalPages });
  } finally {
    source.close();
  }
}

/** Opens a copy on its own and checks every stream's hash chain, as the audit API does for one stream. */
export async function verifySqliteBackup(file: string): Promise<BackupVerdict> {
  const db = new Database(file, { fileMustExist: true });
  try {
    const integrity = db.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') throw new Error(`${file} is not a sound SQLite file: ${String(integrity)}`);
    const events = new SqliteEventStore(db);
    const streamIds = db.prepare<[], { stream_id: string }>('SELECT DISTINCT stream_id FROM events ORDER BY stream_id').all();
    const verdict: BackupVerdict = { streams: streamIds.length, events: 0, broken: [] };
    for (const { stream_id: streamId } of streamIds) {
      const chain = verifyChain(await events.readStream(streamId, { raw: true }));
      verdict.events += chain.events;
      if (!chain.valid) verdict.broken.push({ streamId, firstBrokenRevision: chain.firstBrokenRevision });
    }
    await events.close();
    return verdict;
  } finally {
    db.close();
  }
}
