import { afterEach, describe, expect, it } from '@jest/globals';
import type Database from 'better-sqlite3';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { LedgerWriter } from '../../../src/application/audit/ledgerWriter.js';
import { verifyLedger } from '../../../src/application/audit/ledgerVerification.js';
import { ed25519Signer } from '../../../src/infrastructure/audit/ledgerKey.js';
import { LedgerThread } from '../../../src/infrastructure/audit/ledgerThread.js';
import { SqliteLedgerStore } from '../../../src/infrastructure/audit/sqliteLedgerStore.js';
import { systemClock } from '../../../src/infrastructure/clock/systemClock.js';
import { SqliteEventStore } from '../../../src/infrastructure/eventStore/sqliteEventStore.js';
import { createLogger } from '../../../src/infrastructure/logger.js';
import { openDatabase } from '../../../src/infrastructure/sqlite/openDatabase.js';

/**
 * The embedded profile's ledger writer on a worker thread: it must write exactly the ledger the writer
 * on the service's thread writes (same leaves, same roots, heads under the service's key), through
 * the service's connection, and leave everything signed when the service stops.
 */
const signingKey = generateKeyPairSync('ed25519').privateKey;
const log = createLogger('silent');
const checkpoints = { checkpointEveryEvents: 25, checkpointEverySeconds: 3600 };
const opened: Array<{ db: Database.Database; events: SqliteEventStore; dir: string }> = [];

const threads: LedgerThread[] = [];

afterEach(async () => {
  // A test that failed before its own stop must not leave a worker holding the file (jest would not exit).
  await Promise.all(threads.splice(0).map((thread) => thread.stop()));
  for (const { db, events, dir } of opened.splice(0)) {
    await events.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

function openFile() {
  const dir = mkdtempSync(join(tmpdir(), 'hv-ledger-thread-'));
  const file = join(dir, 'healthvision.sqlite');
  const db = openDatabase(file, 'normal');
  const events = new SqliteEventStore(db, undefined, { synchronous: 'full' });
  opened.push({ db, events, dir });
  return { file, db, events, ledger: new SqliteLedgerStore(db) };
}

function ledgerThread(deps: ConstructorParameters<typeof LedgerThread>[0]): LedgerThread {
  const thread = new LedgerThread(deps);
  threads.push(thread);
  return thread;
}

/** The same 90 events, in the same streams and global order, whichever file they go to. */
const history = Array.from({ length: 90 }, (_, i) => ({
  stream: `slot-${i % 7}`,
  event: {
    type: 'SlotHeld', data: { i },
    metadata: { eventId: randomUUID(), actor: { userId: 'system', role: 'admin' as const }, correlationId: 'c', causationId: null, recordedAt: '2026-12-02T10:00:00.000Z', schemaVersion: 1 },
  },
}));

async function appendHistory(events: SqliteEventStore, from: number, to: number): Promise<void> {
  for (const { stream, event } of history.slice(from, to)) await events.append(stream, [event], 'any');
}

async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('the ledger did not catch up within 20 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('the ledger writer on its own thread', () => {
  it('writes the same leaves and signed roots as the writer on the service thread, events before and after its start', async () => {
    const threaded = openFile();
    await appendHistory(threaded.events, 0, 40);
    const thread = ledgerThread({ sqliteFile: threaded.file, signingKey, store: threaded.ledger, log, ...checkpoints });
    await thread.start();
    await appendHistory(threaded.events, 40, 90);
    const head = await threaded.events.headPosition();
    await until(() => thread.position() >= head);
    await thread.stop();

    const inline = openFile();
    await appendHistory(inline.events, 0, 90);
    const writer = new LedgerWriter({ events: inline.events, store: inline.ledger, signer: ed25519Signer(signingKey), clock: systemClock, log, ...checkpoints });
    await writer.start();
    await writer.stop();

    const leaves = async (ledger: SqliteLedgerStore) => (await ledger.leaves(0, 1000)).map((l) => Buffer.from(l.leafHash).toString('hex'));
    expect(await leaves(threaded.ledger)).toEqual(await leaves(inline.ledger));
    expect(await leaves(threaded.ledger)).toHaveLength(90);
    // When heads were signed depends on timing; what they sign does not. Stopping signed everything,
    // and verification checks every head's signature and root against the leaves.
    const newest = async (ledger: SqliteLedgerStore) => {
      const head = await ledger.latestHead();
      return head && { size: head.size, rootHash: head.rootHash, publicKey: head.publicKey };
    };
    expect(await newest(threaded.ledger)).toEqual(await newest(inline.ledger));
    expect((await newest(threaded.ledger))?.size).toBe(90);
    const verdict = await verifyLedger({ events: threaded.events, store: threaded.ledger });
    expect(verdict).toMatchObject({ valid: true, events: 90 });
  }, 60_000);

  it('answers a checkpoint request from the thread: nothing is due right after everything was signed', async () => {
    const { file, events, ledger } = openFile();
    await appendHistory(events, 0, 25);
    const thread = ledgerThread({ sqliteFile: file, signingKey, store: ledger, log, ...checkpoints });
    await thread.start();
    // Leaves are written before their head is signed: wait for the head, not just the leaves.
    await until(async () => (await ledger.latestHead())?.size === 25);
    const signed = await ledger.latestHead();
    await expect(thread.checkpointIfDue()).resolves.toBeNull();
    expect(await ledger.latestHead()).toEqual(signed);
    await thread.stop();
    expect(thread.position()).toBe(await events.headPosition());
  }, 60_000);

  it('is started again when its thread dies, and catches up with what was appended meanwhile', async () => {
    const { file, events, ledger } = openFile();
    await appendHistory(events, 0, 30);
    const thread = ledgerThread({ sqliteFile: file, signingKey, store: ledger, log, ...checkpoints });
    await thread.start();
    await until(() => thread.position() >= 30);
    // As an uncaught error or an out-of-memory abort in the thread would end it.
    await (thread as unknown as { worker: Worker }).worker.terminate();
    await appendHistory(events, 30, 60);
    const head = await events.headPosition();
    await until(() => thread.position() >= head);
    await thread.stop();
    expect(await verifyLedger({ events, store: ledger })).toMatchObject({ valid: true, events: 60 });
  }, 60_000);

  it('stopped the moment it was started, still writes and signs every event and ends', async () => {
    const { file, events, ledger } = openFile();
    await appendHistory(events, 0, 40);
    const thread = ledgerThread({ sqliteFile: file, signingKey, store: ledger, log, ...checkpoints });
    await thread.start();
    await thread.stop();
    expect((await ledger.latestHead())?.size).toBe(40);
    expect(thread.position()).toBe(await events.headPosition());
  }, 60_000);
});
