import { afterEach, describe, expect, it } from '@jest/globals';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { LedgerWriter } from '../../../src/application/audit/ledgerWriter.js';
import type { LedgerStore } from '../../../src/application/ports/ledgerStore.js';
import { merkleRoot } from '../../../src/domain/audit/merkleTree.js';
import { ed25519Signer } from '../../../src/infrastructure/audit/ledgerKey.js';
import { SqliteLedgerStore } from '../../../src/infrastructure/audit/sqliteLedgerStore.js';
import { SqliteEventStore } from '../../../src/infrastructure/eventStore/sqliteEventStore.js';
import { openDatabase } from '../../../src/infrastructure/sqlite/openDatabase.js';
import { FakeClock } from '../../support/fakeClock.js';

/**
 * The ledger writer resumes from the frontier stored with its last leaves, so starting a service on a
 * long history does not read every leaf; a frontier that does not fit the leaves is ignored.
 */
const log = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
const signer = ed25519Signer(generateKeyPairSync('ed25519').privateKey);
let db: Database.Database;
let events: SqliteEventStore;
afterEach(async () => { await events.close(); db.close(); });

function open() {
  db = openDatabase(':memory:', 'normal');
  events = new SqliteEventStore(db);
  return new SqliteLedgerStore(db);
}

/** The store, counting the leaves each `leaves()` call handed out. */
function counting(store: LedgerStore) {
  const read: number[] = [];
  const spy = Object.assign(Object.create(store) as LedgerStore, {
    leaves: async (from: number, to: number) => { const l = await store.leaves(from, to); read.push(l.length); return l; },
  });
  return { spy, read };
}

async function append(n: number): Promise<void> {
  for (let i = 0; i < n; i += 1) {
    await events.append(`test-${i % 7}`, [{
      type: 'Happened', data: { i },
      metadata: { eventId: randomUUID(), actor: { userId: 'system', role: 'admin' }, correlationId: randomUUID(), causationId: null, recordedAt: new Date().toISOString(), schemaVersion: 1 },
    }], 'any');
  }
}

async function run(store: LedgerStore, until: number): Promise<void> {
  const writer = new LedgerWriter({ events, store, signer, clock: new FakeClock(), log, checkpointEveryEvents: 10, checkpointEverySeconds: 3600 });
  await writer.start();
  const deadline = Date.now() + 10_000;
  while (writer.position() < until && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  await writer.stop();
}

describe('the ledger writer after a restart', () => {
  it('resumes from the stored frontier without reading the leaves, and its heads stay the roots of all leaves', async () => {
    const store = open();
    await append(37);
    await run(store, await events.headPosition());
    await append(12);
    const { spy, read } = counting(store);
    await run(spy, await events.headPosition());
    expect(read.reduce((a, b) => a + b, 0)).toBe(0);
    const all = await store.leaves(0, await store.size());
    expect(all).toHaveLength(49);
    expect((await store.latestHead())?.rootHash).toBe(Buffer.from(merkleRoot(all.map((l) => l.leafHash))).toString('hex'));
  });

  it('reads the leaves when the stored frontier does not describe them', async () => {
    const store = open();
    await append(20);
    await run(store, await events.headPosition());
    db.prepare('UPDATE ledger_frontier SET size = size - 1').run();
    await append(3);
    const { spy, read } = counting(store);
    await run(spy, await events.headPosition());
    expect(read).toContain(20);
    const all = await store.leaves(0, await store.size());
    expect((await store.latestHead())?.rootHash).toBe(Buffer.from(merkleRoot(all.map((l) => l.leafHash))).toString('hex'));
  });
});
