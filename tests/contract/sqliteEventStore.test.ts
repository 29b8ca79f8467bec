import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyChain } from '../../src/application/eventSourcing/eventChain.js';
import type { Upcast } from '../../src/application/eventSourcing/upcasting.js';
import { SqliteEventStore } from '../../src/infrastructure/eventStore/sqliteEventStore.js';
import { openDatabase, type SynchronousMode } from '../../src/infrastructure/sqlite/openDatabase.js';
import { eventStoreContract, events, newStream, take, type ContractHarness } from './eventStore.contract.js';

const ids = (list: readonly { metadata: { eventId: string } }[]) => list.map((e) => e.metadata.eventId);

/** A store on a fresh database file; reopen() closes the connection and opens the file again. */
async function onTmpFile(synchronous: SynchronousMode, upcast?: Upcast): Promise<ContractHarness & { db(): Database.Database }> {
  const dir = mkdtempSync(join(tmpdir(), 'hv-eventstore-'));
  const file = join(dir, 'events.sqlite');
  let db = openDatabase(file, synchronous);
  let store = new SqliteEventStore(db, upcast);
  return {
    store,
    db: () => db,
    reopen: async () => {
      await store.close();
      db.close();
      db = openDatabase(file, synchronous);
      store = new SqliteEventStore(db, upcast);
      return store;
    },
    cleanup: async () => {
      await store.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

for (const mode of ['full', 'normal'] as const) {
  eventStoreContract(`SQLite, synchronous=${mode}`, (options) => onTmpFile(mode, options?.upcast));
}

describe('SqliteEventStore specifics', () => {
  let harness: Awaited<ReturnType<typeof onTmpFile>>;
  beforeEach(async () => {
    harness = await onTmpFile('full');
  });
  afterEach(async () => {
    await harness.cleanup();
  });

  it('detects an event whose stored data was modified behind its back', async () => {
    const stream = newStream();
    await harness.store.append(stream, events(5), 'no_stream');
    expect(verifyChain(await harness.store.readStream(stream, { raw: true })).valid).toBe(true);

    harness.db().prepare('UPDATE events SET data = ? WHERE stream_id = ? AND revision = 3')
      .run(JSON.stringify({ index: 3, amountPaise: 1 }), stream);

    expect(verifyChain(await harness.store.readStream(stream, { raw: true })))
      .toEqual({ valid: false, events: 5, firstBrokenRevision: 3 });
  });

  it('detects a deleted event', async () => {
    const stream = newStream();
    await harness.store.append(stream, events(4), 'no_stream');
    harness.db().prepare('DELETE FROM events WHERE stream_id = ? AND revision = 1').run(stream);
    expect(verifyChain(await harness.store.readStream(stream, { raw: true })))
      .toEqual({ valid: false, events: 3, firstBrokenRevision: 1 });
  });

  it.each([['full', 2], ['normal', 1]] as const)('keeps synchronous=%s after reopening an existing WAL file', async (mode, level) => {
    const other = await onTmpFile(mode);
    try {
      await other.store.append(newStream(), events(1), 'no_stream');
      await other.reopen?.();
      expect(other.db().pragma('synchronous', { simple: true })).toBe(level);
      expect(other.db().pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      await other.cleanup();
    }
  });

  it('delivers events another connection wrote to live subscribers, in order and without gaps', async () => {
    const otherDb = openDatabase(harness.db().name, 'full');
    const other = new SqliteEventStore(otherDb);
    const stream = newStream();
    const subscription = harness.store.subscribeToAll();
    try {
      const [first, foreign, third] = [events(2), events(1), events(2)];
      await harness.store.append(stream, first, 'no_stream');
      expect(ids(await take(subscription, new Set([stream]), 2))).toEqual(ids(first));
      // The subscriber is idle when another connection (the CLI, another process) writes: only the
      // safety poll can notice that.
      const waiting = take(subscription, new Set([stream]), 1, 5_000);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await other.append(stream, foreign, 1);
      expect(ids(await waiting)).toEqual(ids(foreign));
      // Just-committed local events follow a foreign one: none may be skipped or repeated.
      await other.append(stream, events(1), 2);
      await harness.store.append(stream, third, 3);
      const rest = await take(subscription, new Set([stream]), 3);
      expect(rest.map((e) => e.revision)).toEqual([3, 4, 5]);
    } finally {
      await subscription.close();
      await other.close();
      otherDb.close();
    }
  });

  it('wakes an idle subscriber for another connection\'s commit within milliseconds, not at a slow poll', async () => {
    // Another instance's `waitFor` lasts until this process's projections see its append, so the
    // wake-up bounds that wait. Timers are faked (setImmediate is not: the FULL group commit needs it).
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    const otherDb = openDatabase(harness.db().name, 'full');
    const other = new SqliteEventStore(otherDb);
    const stream = newStream();
    const subscription = harness.store.subscribeToAll({ fromPosition: await harness.store.headPosition() });
    const iterator = subscription[Symbol.asyncIterator]();
    try {
      const first = iterator.next();
      await jest.advanceTimersByTimeAsync(20);
      let delivered: string | null = null;
      void first.then((next) => { delivered = next.done ? 'done' : next.value.metadata.eventId; });
      const [foreign] = events(1);
      await other.append(stream, [foreign], 'no_stream');
      await jest.advanceTimersByTimeAsync(50);
      expect(delivered).toBe(foreign.metadata.eventId);
    } finally {
      jest.useRealTimers();
      await subscription.close();
      await other.close();
      otherDb.close();
    }
  });

  it('ends live subscriptions when the store closes', async () => {
    const subscription = harness.store.subscribeToAll();
    const iterator = subscription[Symbol.asyncIterator]();
    const pending = iterator.next();
    await harness.store.close();
    await expect(pending).resolves.toEqual({ done: true, value: undefined });
  });
});
