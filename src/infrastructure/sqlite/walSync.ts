import { open, stat, type FileHandle } from 'node:fs/promises';

/**
 * Makes committed write-ahead-log frames durable without blocking the event loop. With
 * `synchronous=FULL` SQLite fsyncs the WAL inside every commit, and better-sqlite3 runs that on the
 * main thread, so every request waits out the disk. Committing at NORMAL (frames written, not synced)
 * and then syncing the WAL on libuv's thread pool gives FULL's guarantee for whatever is acknowledged
 * after the sync, while the thread keeps serving. WAL recovery keeps a valid prefix of frames only, so
 * anything written after an unsynced commit (read models, jobs) is lost with it, never kept without it.
 */
export interface WalSync {
  /** Resolves once every frame written before the call is on disk. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

interface OpenWal {
  file: FileHandle;
  inode: number;
}

/** The `-wal` file beside `databaseFile`, opened read-only: fdatasync needs no write access. */
export function walFileSync(databaseFile: string): WalSync {
  const path = `${databaseFile}-wal`;
  let wal: OpenWal | null = null;
  const reopen = async (): Promise<OpenWal> => {
    await wal?.file.close();
    const file = await open(path, 'r');
    wal = { file, inode: (await file.stat()).ino };
    return wal;
  };
  return {
    async sync() {
      // SQLite deletes the WAL when the last connection to the file closes (another process's, say);
      // the next one is a new file, which this handle would never reach.
      const current = wal && (await stat(path)).ino === wal.inode ? wal : await reopen();
      await current.file.datasync();
    },
    async close() {
      await wal?.file.close();
      wal = null;
    },
  };
}
