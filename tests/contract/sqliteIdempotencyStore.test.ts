import { expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteIdempotencyStore } from '../../src/infrastructure/idempotency/sqliteIdempotencyStore.js';
import { openDatabase } from '../../src/infrastructure/sqlite/openDatabase.js';
import { CONTRACT_TTL, idempotencyStoreContract } from './idempotencyStore.contract.js';

idempotencyStoreContract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hv-idem-'));
  const file = join(dir, 'healthvision.sqlite');
  const connections: Database.Database[] = [openDatabase(file, 'normal')];
  return {
    store: new SqliteIdempotencyStore(connections[0], CONTRACT_TTL),
    reopen: async () => {
      const db = openDatabase(file, 'normal');
      connections.push(db);
      return new SqliteIdempotencyStore(db, CONTRACT_TTL);
    },
    cleanup: async () => {
      for (const db of connections) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

it('keeps keys stored before expiry existed for the completed TTL from their creation, and sweeps expired keys away', async () => {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE idempotency_keys (key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, created_at TEXT NOT NULL, response TEXT)');
  db.prepare('INSERT INTO idempotency_keys VALUES (?, ?, ?, ?)').run('old', 'body', '2030-01-07T00:00:00.000Z', JSON.stringify({ status: 200, body: {}, contentType: 'application/json' }));
  const store = new SqliteIdempotencyStore(db, CONTRACT_TTL);
  expect((await store.claim('old', 'body', new Date('2030-01-07T23:59:59.000Z'))).outcome).toBe('replay');

  await store.claim('orphan', 'body', new Date('2030-01-08T00:00:00.000Z'));
  // A claim a day later sweeps both away, though it asks for neither.
  await store.claim('other', 'body', new Date('2030-01-09T00:00:00.000Z'));
  const left = db.prepare<[], { key: string }>('SELECT key FROM idempotency_keys ORDER BY key').all().map((r) => r.key);
  expect(left).toEqual(['other']);
  db.close();
});
