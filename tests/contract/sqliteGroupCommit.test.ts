import { describe, expect, it } from '@jest/globals';
import { openDatabase } from '../../src/infrastructure/sqlite/openDatabase.js';
import { SqliteEventStore } from '../../src/infrastructure/eventStore/sqliteEventStore.js';
import { ConcurrencyError, type EventToAppend } from '../../src/application/ports/eventStore.js';
import { verifyChain } from '../../src/application/eventSourcing/eventChain.js';

let n = 0;
const event = (type = 'Happened'): EventToAppend => ({
  type,
  data: { n: (n += 1) },
  metadata: { eventId: `e-${n}`, actor: { userId: 'u', role: 'patient' }, correlationId: 'c', causationId: null, recordedAt: 't', schemaVersion: 1 },
});

describe.each(['full', 'normal'] as const)('SQLite group commit, synchronous=%s (appends requested together share one transaction)', (mode) => {
  it('commits every good append of a batch and rejects only the bad one, which changes nothing', async () => {
    const db = openDatabase(':memory:', mode);
    const store = new SqliteEventStore(db);
    await store.append('a', [event()], 'no_stream');
    const outcomes = await Promise.allSettled([
      store.append('a', [event()], 0),
      store.append('a', [event(), event()], 0), // loses to the first: same expected revision
      store.append('b', [event()], 'no_stream'),
      store.append('c', [event()], 'stream_exists'), // c does not exist
      store.append('b', [event()], 0), // sees b's append from earlier in the same batch
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(ConcurrencyError);
    expect((outcomes[1] as PromiseRejectedResult).reason.actual).toBe(1);
    expect(await store.readStream('a')).toHaveLength(2);
    expect(await store.readStream('b')).toHaveLength(2);
    expect(await store.readStream('c')).toHaveLength(0);
    for (const stream of ['a', 'b']) expect(verifyChain(await store.readStream(stream, { raw: true })).valid).toBe(true);
    // Positions stay gap-free and ordered across the batch.
    const all = await store.readAll();
    expect(all.map((e) => e.position)).toEqual([1, 2, 3, 4]);
    db.close();
  });

  it('keeps a stream usable after a rejected append in a batch', async () => {
    const db = openDatabase(':memory:', mode);
    const store = new SqliteEventStore(db);
    await Promise.allSettled([store.append('s', [event()], 'no_stream'), store.append('s', [event()], 'no_stream')]);
    await expect(store.append('s', [event()], 0)).resolves.toMatchObject({ nextRevision: 1 });
    db.close();
  });
});

describe('SQLite event commits on a connection shared with read models', () => {
  it('commits events at the durability asked for and leaves the connection at its own', async () => {
    const db = openDatabase(':memory:', 'normal');
    const store = new SqliteEventStore(db, undefined, { synchronous: 'full' });
    // Records the connection's synchronous level at the moment each event row is written.
    db.exec(`CREATE TEMP TABLE levels (level INTEGER);
      CREATE TEMP TRIGGER record_level AFTER INSERT ON events BEGIN INSERT INTO levels SELECT synchronous FROM pragma_synchronous; END;`);
    await store.append('a', [event()], 'no_stream');
    await Promise.allSettled([store.append('a', [event()], 0), store.append('a', [event()], 0), store.append('b', [event()], 'no_stream')]);
    await expect(store.append('c', [event()], 'stream_exists')).rejects.toBeInstanceOf(ConcurrencyError);
    expect(db.prepare('SELECT level FROM levels').all()).toEqual([{ level: 2 }, { level: 2 }, { level: 2 }]);
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    db.close();
  });
});

describe('SQLite appendMany (several streams, one atomic write)', () => {
  it('writes every stream when every expectation holds, alongside the other appends of the turn', async () => {
    const db = openDatabase(':memory:', 'full');
    const store = new SqliteEventStore(db);
    await store.append('a', [event()], 'no_stream');
    const [many, alone] = await Promise.all([
      store.appendMany([{ streamId: 'a', events: [event()], expected: 0 }, { streamId: 'b', events: [event(), event()], expected: 'no_stream' }]),
      store.append('c', [event()], 'no_stream'),
    ]);
    expect(many).toEqual([{ nextRevision: 1, position: 2, positions: [2] }, { nextRevision: 1, position: 4, positions: [3, 4] }]);
    expect(alone).toMatchObject({ nextRevision: 0, position: 5 });
    expect((await store.readAll()).map((e) => e.streamId)).toEqual(['a', 'a', 'b', 'b', 'c']);
    for (const stream of ['a', 'b']) expect(verifyChain(await store.readStream(stream, { raw: true })).valid).toBe(true);
    db.close();
  });

  it('writes nothing when one expectation fails, while the other appends of the batch still commit', async () => {
    const db = openDatabase(':memory:', 'full');
    const store = new SqliteEventStore(db);
    await store.append('a', [event()], 'no_stream');
    const [many, alone] = await Promise.allSettled([
      store.appendMany([{ streamId: 'b', events: [event()], expected: 'no_stream' }, { streamId: 'a', events: [event()], expected: 'no_stream' }]),
      store.append('c', [event()], 'no_stream'),
    ]);
    expect(many.status).toBe('rejected');
    expect((many as PromiseRejectedResult).reason).toBeInstanceOf(ConcurrencyError);
    expect((many as PromiseRejectedResult).reason.streamId).toBe('a');
    expect(alone.status).toBe('fulfilled');
    expect(await store.readStream('b')).toHaveLength(0);
    expect(await store.readStream('a')).toHaveLength(1);
    expect((await store.readAll()).map((e) => e.streamId)).toEqual(['a', 'c']);
    db.close();
  });

  it('answers a part already appended (same ids) with its earlier result and writes the rest', async () => {
    const db = openDatabase(':memory:', 'full');
    const store = new SqliteEventStore(db);
    const first = event();
    await store.append('a', [first], 'no_stream');
    const results = await store.appendMany([{ streamId: 'a', events: [first], expected: 'any' }, { streamId: 'b', events: [event()], expected: 'no_stream' }]);
    expect(results).toEqual([{ nextRevision: 0, position: 1, positions: [1] }, { nextRevision: 0, position: 2, positions: [2] }]);
    expect(await store.readStream('a')).toHaveLength(1);
    db.close();
  });

  it('refuses an empty part and a stream named twice, writing nothing', async () => {
    const db = openDatabase(':memory:', 'full');
    const store = new SqliteEventStore(db);
    await expect(store.appendMany([])).rejects.toBeInstanceOf(RangeError);
    await expect(store.appendMany([{ streamId: 'a', events: [], expected: 'any' }])).rejects.toBeInstanceOf(RangeError);
    await expect(store.appendMany([{ streamId: 'a', events: [event()], expected: 'any' }, { streamId: 'a', events: [event()], expected: 'any' }]))
      .rejects.toBeInstanceOf(RangeError);
    expect(await store.readAll()).toHaveLength(0);
    db.close();
  });
});
