import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { SqliteSnapshotStore } from '../../src/infrastructure/snapshots/sqliteSnapshotStore.js';
import { openDatabase } from '../../src/infrastructure/sqlite/openDatabase.js';
import { snapshotStoreContract } from './snapshotStore.contract.js';

snapshotStoreContract('SQLite (a second connection to the file is another instance)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hv-snapshots-'));
  const file = join(dir, 'hv.sqlite');
  const open: Database.Database[] = [openDatabase(file, 'normal')];
  return {
    snapshots: new SqliteSnapshotStore(open[0]),
    reopen: async () => {
      const db = openDatabase(file, 'normal');
      open.push(db);
      return new SqliteSnapshotStore(db);
    },
    cleanup: async () => {
      for (const db of open) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
