import { expect, it } from '@jest/globals';
import type Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqlitePersonalDataKeys } from '../../src/infrastructure/personalData/sqlitePersonalDataKeys.js';
import { openDatabase } from '../../src/infrastructure/sqlite/openDatabase.js';
import { personalDataKeysContract } from './personalDataKeys.contract.js';

function onTmpFile() {
  const dir = mkdtempSync(join(tmpdir(), 'hv-pdkeys-'));
  const file = join(dir, 'healthvision.sqlite');
  const connections: Database.Database[] = [openDatabase(file, 'normal')];
  return {
    dir,
    keys: new SqlitePersonalDataKeys(connections[0]),
    reopen: async () => {
      const db = openDatabase(file, 'normal');
      connections.push(db);
      return new SqlitePersonalDataKeys(db);
    },
    cleanup: async () => {
      for (const db of connections) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

personalDataKeysContract('SQLite', async () => onTmpFile());

it('an erased key\'s bytes are left nowhere in the database files', async () => {
  const h = onTmpFile();
  try {
    const key = (await h.keys.keyFor('ann'))!;
    await h.keys.keyFor('bob');
    await h.keys.erase('ann', new Date('2030-01-07T03:30:00Z'));
    const files = readdirSync(h.dir).map((name) => readFileSync(join(h.dir, name)));
    expect(files.length).toBeGreaterThan(0);
    for (const bytes of files) expect(bytes.includes(key)).toBe(false);
  } finally {
    await h.cleanup();
  }
});
