import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteReadStore } from '../../src/infrastructure/readStore/sqliteReadStore.js';
import { openDatabase } from '../../src/infrastructure/sqlite/openDatabase.js';
import { contractCollections, readStoreContract, type ReadStoreHarness } from './readStore.contract.js';

/** A store on a fresh database file; reopen() closes the connection and opens the file again. */
async function onTmpFile(): Promise<ReadStoreHarness & { db(): Database.Database }> {
  const dir = mkdtempSync(join(tmpdir(), 'hv-readstore-'));
  const file = join(dir, 'healthvision.sqlite');
  let db = openDatabase(file, 'normal');
  let store = new SqliteReadStore(db);
  return {
    store,
    db: () => db,
    reopen: async () => {
      await store.close();
      db.close();
      db = openDatabase(file, 'normal');
      store = new SqliteReadStore(db);
      return store;
    },
    cleanup: async () => {
      await store.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

readStoreContract('SQLite', onTmpFile);

describe('SqliteReadStore specifics', () => {
  let harness: Awaited<ReturnType<typeof onTmpFile>>;
  beforeEach(async () => {
    harness = await onTmpFile();
    await harness.store.ensureCollections(contractCollections);
  });
  afterEach(async () => {
    await harness.cleanup();
  });

  it('serves equality filters on a declared field from its expression index', () => {
    const plan = harness.db()
      .prepare(`EXPLAIN QUERY PLAN SELECT id, doc FROM "rm_items" WHERE (json_extract(doc, '$.status') = ? AND json_type(doc, '$.status') = 'text')`)
      .all('open') as Array<{ detail: string }>;
    expect(plan.map((p) => p.detail).join('\n')).toMatch(/USING INDEX rm_items__status/);
  });

  it('rolls back the whole batch when one write violates a unique index', async () => {
    await harness.store.apply([{ collection: 'accounts', id: 'a1', set: { email: 'x@example.test' } }], 1);
    await expect(harness.store.apply([
      { collection: 'accounts', id: 'a3', set: { email: 'z@example.test' } },
      { collection: 'accounts', id: 'a2', set: { email: 'x@example.test' } },
    ], 2)).rejects.toThrow(/UNIQUE constraint failed/);
    expect(await harness.store.get('accounts', 'a3')).toBeNull();
  });

  it('lets any number of documents lack a unique field', async () => {
    await harness.store.apply([
      { collection: 'accounts', id: 'a1', set: { name: 'no email' } },
      { collection: 'accounts', id: 'a2', set: { email: null } },
      { collection: 'accounts', id: 'a3', set: { email: null } },
    ], 1);
    expect(await harness.store.count('accounts', { email: null })).toBe(3);
  });

  it('leaves the shared connection open on close (events and jobs use it too)', async () => {
    await harness.store.close();
    expect(harness.db().prepare('SELECT count(*) AS n FROM projection_checkpoints').get()).toEqual({ n: 0 });
  });

  it('applies a large batch in one transaction', async () => {
    const writes = Array.from({ length: 5000 }, (_, i) => ({ collection: 'items', id: `d${i}`, set: { status: 'bulk', rank: i } }));
    await harness.store.apply(writes, 1);
    expect(await harness.store.count('items', { status: 'bulk', rank: { $gte: 4990 } })).toBe(10);
  });
});
