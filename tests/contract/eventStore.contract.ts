import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import {
  ConcurrencyError,
  IdempotencyMismatchError,
  InvalidPosition,
  type EventStore,
  type EventToAppend,
  type ExpectedRevision,
  type RecordedEvent,
  type Subscription,
} from '../../src/application/ports/eventStore.js';
import { verifyChain } from '../../src/application/eventSourcing/eventChain.js';
import { upcasterChain, type Upcast } from '../../src/application/eventSourcing/upcasting.js';

/**
 * The EventStore contract, run against every adapter (SQLite here, EventStoreDB when a server is
 * configured). Stream names carry a random suffix and assertions on `$all` only look at the test's
 * own streams, so the suite can run against a shared server that already holds other events.
 */
export interface ContractHarness {
  store: EventStore;
  /** Closes the store and opens a fresh one on the same storage (a process restart). */
  reopen?: () => Promise<EventStore>;
  cleanup(): Promise<void>;
}

/** The optional `upcast` lets the suite check the upcaster hook; adapters pass it to their constructor. */
export type ContractFactory = (options?: { upcast?: Upcast }) => Promise<ContractHarness>;

const WAIT_MS = 10_000;

export function newStream(label = 'contract'): string {
  return `${label}-${randomUUID()}`;
}

export function anEvent(overrides: { type?: string; data?: unknown; eventId?: string; schemaVersion?: number; extra?: Record<string, unknown> } = {}): EventToAppend {
  return {
    type: overrides.type ?? 'contract.Happened',
    data: overrides.data ?? { n: Math.floor(Math.random() * 1_000_000), nested: { list: [1, 'two', null], flag: true } },
    metadata: {
      eventId: overrides.eventId ?? randomUUID(),
      actor: { userId: 'user-1', role: 'patient' },
      correlationId: randomUUID(),
      causationId: null,
      recordedAt: '2026-01-02T03:04:05.000Z',
      schemaVersion: overrides.schemaVersion ?? 1,
      ...(overrides.extra ? { extra: overrides.extra } : {}),
    },
  };
}

export function events(count: number): EventToAppend[] {
  return Array.from({ length: count }, (_, index) => anEvent({ data: { index } }));
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Reads the subscription until `count` events of the given streams arrived (others are ignored). */
export async function take(subscription: Subscription, streams: ReadonlySet<string>, count: number, ms = WAIT_MS): Promise<RecordedEvent[]> {
  const iterator = subscription[Symbol.asyncIterator]();
  const seen: RecordedEvent[] = [];
  const deadline = Date.now() + ms;
  while (seen.length < count) {
    const next = await withTimeout(iterator.next(), Math.max(1, deadline - Date.now()), `${count} events (got ${seen.length})`);
    if (next.done) break;
    if (streams.has(next.value.streamId)) seen.push(next.value);
  }
  return seen;
}

async function ours(store: EventStore, streams: ReadonlySet<string>, fromPosition: number): Promise<RecordedEvent[]> {
  const found: RecordedEvent[] = [];
  let position = fromPosition;
  for (let page = 0; page < 10_000; page += 1) {
    const batch = await store.readAll({ fromPosition: position, maxCount: 200 });
    if (batch.length === 0) return found;
    found.push(...batch.filter((e) => streams.has(e.streamId)));
    position = batch[batch.length - 1].position;
  }
  throw new Error('readAll did not reach the end');
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

const ids = (list: readonly { metadata: { eventId: string } }[]) => list.map((e) => e.metadata.eventId);

export function eventStoreContract(name: string, factory: ContractFactory): void {
  describe(`EventStore contract: ${name}`, () => {
    let harness: ContractHarness;
    let store: EventStore;

    beforeEach(async () => {
      harness = await factory();
      store = harness.store;
    });
    afterEach(async () => {
      await harness.cleanup();
    });

    describe('append and readStream', () => {
      it('reads back what was appended, in order, with revisions from 0 and the positions append reported', async () => {
        const stream = newStream();
        const first = await store.append(stream, events(3), 'no_stream');
        const second = await store.append(stream, events(2), 2);
        expect(first.nextRevision).toBe(2);
        expect(second.nextRevision).toBe(4);
        expect(second.position).toBeGreaterThan(first.position);

        const read = await store.readStream(stream);
        expect(read.map((e) => e.revision)).toEqual([0, 1, 2, 3, 4]);
        expect(read.map((e) => (e.data as { index: number }).index)).toEqual([0, 1, 2, 0, 1]);
        expect(read.every((e) => e.streamId === stream && e.type === 'contract.Happened')).toBe(true);
        expect(read[2].position).toBe(first.position);
        expect(read[4].position).toBe(second.position);
        for (let i = 1; i < read.length; i += 1) expect(read[i].position).toBeGreaterThan(read[i - 1].position);
      });

      it('reads backwards, from a revision, and at most maxCount events', async () => {
        const stream = newStream();
        await store.append(stream, events(5), 'no_stream');
        const revisions = async (options: Parameters<EventStore['readStream']>[1]) =>
          (await store.readStream(stream, options)).map((e) => e.revision);

        expect(await revisions({ direction: 'backwards' })).toEqual([4, 3, 2, 1, 0]);
        expect(await revisions({ from: 2 })).toEqual([2, 3, 4]);
        expect(await revisions({ from: 1, maxCount: 2 })).toEqual([1, 2]);
        expect(await revisions({ direction: 'backwards', from: 3 })).toEqual([3, 2, 1, 0]);
        expect(await revisions({ direction: 'backwards', maxCount: 1 })).toEqual([4]);
        expect(await revisions({ direction: 'backwards', from: 2, maxCount: 2 })).toEqual([2, 1]);
        expect(await revisions({ from: 5 })).toEqual([]);
      });

      it('reads an absent stream as empty', async () => {
        expect(await store.readStream(newStream())).toEqual([]);
        expect(await store.readStream(newStream(), { direction: 'backwards', maxCount: 1 })).toEqual([]);
      });

      it('refuses an empty append', async () => {
        await expect(store.append(newStream(), [], 'any')).rejects.toThrow();
      });

      it('round-trips metadata and chains every stream so verifyChain accepts it', async () => {
        const stream = newStream();
        const other = newStream();
        const event = anEvent({ data: { amountPaise: 125_00, note: 'ünïcödé ✓' }, extra: { idempotencyKey: 'k-1' } });
        event.metadata.causationId = randomUUID();
        await store.append(stream, [event], 'no_stream');
        await store.append(other, events(2), 'any');
        await store.append(stream, events(3), 0);
        await store.append(other, events(2), 1);

        const [read] = await store.readStream(stream, { maxCount: 1, raw: true });
        expect(read.data).toEqual(event.data);
        expect(read.metadata).toEqual({ ...event.metadata, hash: expect.stringMatching(/^[0-9a-f]{64}$/) });

        for (const s of [stream, other]) {
          const verdict = verifyChain(await store.readStream(s, { raw: true }));
          expect(verdict).toEqual({ valid: true, events: 4 });
        }
      });

      it('lets verifyChain point at the first event that no longer matches its hash', async () => {
        const stream = newStream();
        await store.append(stream, events(4), 'no_stream');
        const read = await store.readStream(stream, { raw: true });
        const altered = read.map((e) => (e.revision === 2 ? { ...e, data: { index: 99 } } : e));
        expect(verifyChain(altered)).toEqual({ valid: false, events: 4, firstBrokenRevision: 2 });
        expect(verifyChain(read.filter((e) => e.revision !== 1))).toMatchObject({ valid: false, firstBrokenRevision: 1 });
      });
    });

    describe('expected revision', () => {
      it('no_stream succeeds only on a new stream', async () => {
        const stream = newStream();
        await expect(store.append(stream, events(1), 'no_stream')).resolves.toMatchObject({ nextRevision: 0 });
        const error = await rejection(store.append(stream, events(1), 'no_stream'));
        expect(error).toBeInstanceOf(ConcurrencyError);
        expect(error).toMatchObject({ streamId: stream, expected: 'no_stream', actual: 0 });
      });

      it('stream_exists fails on a new stream with actual -1 and succeeds once it exists', async () => {
        const stream = newStream();
        const error = await rejection(store.append(stream, events(1), 'stream_exists'));
        expect(error).toBeInstanceOf(ConcurrencyError);
        expect(error).toMatchObject({ streamId: stream, expected: 'stream_exists', actual: -1 });
        await store.append(stream, events(2), 'no_stream');
        await expect(store.append(stream, events(1), 'stream_exists')).resolves.toMatchObject({ nextRevision: 2 });
      });

      it('an exact revision must equal the last revision; the error carries the actual one', async () => {
        const stream = newStream();
        expect(await rejection(store.append(stream, events(1), 0))).toMatchObject({ name: 'ConcurrencyError', expected: 0, actual: -1 });
        await store.append(stream, events(3), 'no_stream');
        for (const stale of [0, 1, 3]) {
          const error = await rejection(store.append(stream, events(1), stale));
          expect(error).toBeInstanceOf(ConcurrencyError);
          expect(error).toMatchObject({ streamId: stream, expected: stale, actual: 2 });
        }
        await expect(store.append(stream, events(1), 2)).resolves.toMatchObject({ nextRevision: 3 });
      });

      it('any appends whatever the stream holds', async () => {
        const stream = newStream();
        await expect(store.append(stream, events(1), 'any')).resolves.toMatchObject({ nextRevision: 0 });
        await expect(store.append(stream, events(2), 'any')).resolves.toMatchObject({ nextRevision: 2 });
      });

      it('a rejected append changes nothing and the stream keeps working afterwards', async () => {
        const stream = newStream();
        await store.append(stream, events(2), 'no_stream');
        const before = await store.readStream(stream, { raw: true });
        const head = await store.headPosition();

        const rejected: Array<[ExpectedRevision, EventToAppend[]]> = [[0, events(3)], ['no_stream', events(1)], [5, events(2)]];
        for (const [expected, batch] of rejected) {
          await expect(store.append(stream, batch, expected)).rejects.toBeInstanceOf(ConcurrencyError);
        }
        // A batch whose payload cannot be stored fails as a whole, too.
        await expect(store.append(stream, [anEvent(), anEvent({ data: { big: 1n } })], 1)).rejects.toThrow();

        expect(await store.readStream(stream, { raw: true })).toEqual(before);
        expect((await ours(store, new Set([stream]), head))).toEqual([]);

        const next = await store.append(stream, events(2), 1);
        expect(next.nextRevision).toBe(3);
        await expect(store.append(stream, events(1), 'no_stream')).rejects.toMatchObject({ actual: 3 });
        await expect(store.append(stream, events(1), 3)).resolves.toMatchObject({ nextRevision: 4 });
        expect(verifyChain(await store.readStream(stream, { raw: true }))).toEqual({ valid: true, events: 5 });
      });

      it('a failure among concurrent appends stays with its own append', async () => {
        const [a, b, c] = [newStream(), newStream(), newStream()];
        await store.append(a, events(1), 'no_stream');
        const good = [anEvent(), anEvent()];
        const results = await Promise.allSettled([
          store.append(a, [good[0]], 0),
          store.append(a, events(1), 'no_stream'),
          store.append(b, [anEvent(), anEvent({ data: { big: 1n } })], 'no_stream'),
          store.append(c, [good[1]], 'no_stream'),
        ]);
        expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
        expect(ids(await store.readStream(a)).slice(1)).toEqual([good[0].metadata.eventId]);
        expect(await store.readStream(b)).toEqual([]);
        expect(ids(await store.readStream(c))).toEqual([good[1].metadata.eventId]);
        await expect(store.append(b, events(1), 'no_stream')).resolves.toMatchObject({ nextRevision: 0 });
      });
    });

    describe('optimistic concurrency under parallel appends', () => {
      it('two racers creating the same stream: exactly one wins', async () => {
        const stream = newStream();
        const a = anEvent();
        const b = anEvent();
        const results = await Promise.allSettled([store.append(stream, [a], 'no_stream'), store.append(stream, [b], 'no_stream')]);
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(1);
        expect(lost[0].reason).toBeInstanceOf(ConcurrencyError);
        expect(lost[0].reason).toMatchObject({ actual: 0 });
        const winner = results[0].status === 'fulfilled' ? a : b;
        expect(ids(await store.readStream(stream))).toEqual([winner.metadata.eventId]);
      });

      it('two racers at the same exact revision: exactly one wins', async () => {
        const stream = newStream();
        await store.append(stream, events(2), 'no_stream');
        const results = await Promise.allSettled([store.append(stream, events(2), 1), store.append(stream, events(2), 1)]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const lost = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(lost?.reason).toBeInstanceOf(ConcurrencyError);
        expect(lost?.reason).toMatchObject({ expected: 1, actual: 3 });
        expect(verifyChain(await store.readStream(stream, { raw: true }))).toEqual({ valid: true, events: 4 });
      });

      it('twenty racers at the same revision: exactly one wins, the rest get ConcurrencyError', async () => {
        const stream = newStream();
        await store.append(stream, events(1), 'no_stream');
        const batches = Array.from({ length: 20 }, () => [anEvent()]);
        const results = await Promise.allSettled(batches.map((batch) => store.append(stream, batch, 0)));
        const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
        expect(winners).toHaveLength(1);
        for (const r of results) {
          if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConcurrencyError);
        }
        const read = await store.readStream(stream, { raw: true });
        expect(ids(read).slice(1)).toEqual(ids(batches[winners[0]]));
        expect(verifyChain(read)).toEqual({ valid: true, events: 2 });
      });

      it('racers with expected any all land, each at its own revision, and the chain stays intact', async () => {
        const stream = newStream();
        const batches = Array.from({ length: 8 }, () => [anEvent()]);
        const results = await Promise.all(batches.map((batch) => store.append(stream, batch, 'any')));
        expect(results.map((r) => r.nextRevision).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
        const read = await store.readStream(stream, { raw: true });
        expect(new Set(ids(read))).toEqual(new Set(batches.flat().map((e) => e.metadata.eventId)));
        expect(verifyChain(read)).toEqual({ valid: true, events: 8 });
      });
    });

    describe('idempotent re-append', () => {
      it('re-appending the same event ids returns the original result and writes nothing', async () => {
        const stream = newStream();
        const head = await store.headPosition();
        const batch = events(2);
        const original = await store.append(stream, batch, 'no_stream');
        await expect(store.append(stream, batch, 'no_stream')).resolves.toEqual(original);
        await expect(store.append(stream, batch, 'any')).resolves.toEqual(original);
        expect(ids(await store.readStream(stream))).toEqual(ids(batch));
        expect(ids(await ours(store, new Set([stream]), head))).toEqual(ids(batch));
      });

      it('a retry still answers as the first time after the stream moved on', async () => {
        const stream = newStream();
        await store.append(stream, events(1), 'no_stream');
        const batch = events(2);
        const original = await store.append(stream, batch, 0);
        await store.append(stream, events(3), 2);
        await expect(store.append(stream, batch, 0)).resolves.toEqual(original);
        expect(await store.readStream(stream)).toHaveLength(6);
      });

      it('refuses an event id reused for different content, and writes nothing', async () => {
        const stream = newStream();
        const original = anEvent({ data: { amount: 100 } });
        await store.append(stream, [original], 'no_stream');
        const reused = anEvent({ eventId: original.metadata.eventId, data: { amount: 999 } });
        await expect(store.append(stream, [reused], 'no_stream')).rejects.toBeInstanceOf(IdempotencyMismatchError);
        await expect(store.append(stream, [reused], 'any')).rejects.toBeInstanceOf(IdempotencyMismatchError);
        const read = await store.readStream(stream);
        expect(read.map((e) => e.data)).toEqual([{ amount: 100 }]);
        await expect(store.append(stream, events(1), 0)).resolves.toMatchObject({ nextRevision: 1 });
      });

      it('refuses a batch that only partly repeats an earlier append, and writes nothing', async () => {
        const stream = newStream();
        const [a, b] = events(2);
        await store.append(stream, [a, b], 'no_stream');
        for (const batch of [[a, anEvent()], [anEvent(), b], [b, a]]) {
          await expect(store.append(stream, batch, 'any')).rejects.toBeInstanceOf(IdempotencyMismatchError);
          await expect(store.append(stream, batch, 'no_stream')).rejects.toThrow();
        }
        expect(ids(await store.readStream(stream))).toEqual(ids([a, b]));
      });
    });

    describe('$all', () => {
      it('orders events of all streams by strictly increasing position, as they were appended', async () => {
        const head = await store.headPosition();
        const streams = [newStream(), newStream(), newStream()];
        const appended: string[] = [];
        const positions: number[] = [];
        for (let round = 0; round < 3; round += 1) {
          for (const stream of streams) {
            const batch = events(round + 1);
            const result = await store.append(stream, batch, 'any');
            appended.push(...ids(batch));
            positions.push(result.position);
          }
        }
        const all = await ours(store, new Set(streams), head);
        expect(ids(all)).toEqual(appended);
        for (let i = 1; i < all.length; i += 1) expect(all[i].position).toBeGreaterThan(all[i - 1].position);
        expect(positions.every((p) => all.some((e) => e.position === p))).toBe(true);
        expect(await store.headPosition()).toBeGreaterThanOrEqual(positions[positions.length - 1]);
      });

      it('pages with an exclusive fromPosition and maxCount, visiting every event exactly once', async () => {
        const head = await store.headPosition();
        const stream = newStream();
        const batch = events(7);
        await store.append(stream, batch.slice(0, 4), 'no_stream');
        await store.append(stream, batch.slice(4), 3);

        const firstPage = await store.readAll({ fromPosition: head, maxCount: 2 });
        expect(firstPage.length).toBeLessThanOrEqual(2);
        expect(firstPage.every((e) => e.position > head)).toBe(true);

        const seen: RecordedEvent[] = [];
        let position = head;
        for (let page = 0; page < 1000; page += 1) {
          const events3 = await store.readAll({ fromPosition: position, maxCount: 3 });
          if (events3.length === 0) break;
          expect(events3.length).toBeLessThanOrEqual(3);
          expect(events3[0].position).toBeGreaterThan(position);
          seen.push(...events3.filter((e) => e.streamId === stream));
          position = events3[events3.length - 1].position;
        }
        expect(ids(seen)).toEqual(ids(batch));
        const fromMiddle = await store.readAll({ fromPosition: seen[2].position, maxCount: 1 });
        expect(fromMiddle[0].position).toBeGreaterThan(seen[2].position);
      });
    });

    describe('subscribeToAll', () => {
      it('delivers events from before and during the subscription exactly once, in order, across the switch to live', async () => {
        const head = await store.headPosition();
        const streams = [newStream(), newStream()];
        const before = 30;
        const during = 40;
        for (let i = 0; i < before; i += 1) await store.append(streams[i % 2], events(1), 'any');

        const subscription = store.subscribeToAll({ fromPosition: head });
        try {
          // Appends run concurrently with consumption: some land during catch-up, some once live.
          const appending = (async () => {
            for (let i = 0; i < during; i += 1) {
              await store.append(streams[i % 2], i % 5 === 0 ? events(2) : events(1), 'any');
              if (i % 7 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
            }
          })();
          const expectedCount = before + during + during / 5;
          const received = await take(subscription, new Set(streams), expectedCount);
          await appending;
          const inLog = await ours(store, new Set(streams), head);
          expect(inLog).toHaveLength(expectedCount);
          expect(ids(received)).toEqual(ids(inLog));
          expect(new Set(ids(received)).size).toBe(expectedCount);
          for (let i = 1; i < received.length; i += 1) expect(received[i].position).toBeGreaterThan(received[i - 1].position);
        } finally {
          await subscription.close();
        }
      });

      it('starts strictly after fromPosition', async () => {
        const stream = newStream();
        const batch = events(4);
        await store.append(stream, batch, 'no_stream');
        const [, second] = await store.readStream(stream);
        const subscription = store.subscribeToAll({ fromPosition: second.position });
        try {
          const received = await take(subscription, new Set([stream]), 2);
          expect(ids(received)).toEqual(ids(batch.slice(2)));
        } finally {
          await subscription.close();
        }
      });

      it('hands out the same events in runs of at most the size asked for, catch-up then live', async () => {
        const stream = newStream();
        const head = await store.headPosition();
        const early = events(7);
        await store.append(stream, early, 'no_stream');
        const subscription = store.subscribeToAll({ fromPosition: head });
        try {
          const late = events(2);
          const received: RecordedEvent[] = [];
          const sizes: number[] = [];
          await withTimeout((async () => {
            for await (const run of subscription.runs(3)) {
              sizes.push(run.length);
              received.push(...run.filter((e) => e.streamId === stream));
              if (received.length === early.length) await store.append(stream, late, 6);
              if (received.length === early.length + late.length) return;
            }
          })(), WAIT_MS, 'the runs to arrive');
          expect(ids(received)).toEqual(ids([...early, ...late]));
          expect(sizes.every((size) => size >= 1 && size <= 3)).toBe(true);
        } finally {
          await subscription.close();
        }
      });

      it('close() ends a pending iteration', async () => {
        const subscription = store.subscribeToAll({ fromPosition: await store.headPosition() });
        const consumed: RecordedEvent[] = [];
        const consuming = (async () => {
          for await (const event of subscription) consumed.push(event);
        })();
        await new Promise((resolve) => setTimeout(resolve, 50));
        await withTimeout(subscription.close(), WAIT_MS, 'close()');
        await withTimeout(consuming, WAIT_MS, 'the for-await loop to end after close()');
      });

      it('close() right after subscribing ends it without delivering anything further', async () => {
        const subscription = store.subscribeToAll();
        await withTimeout(subscription.close(), WAIT_MS, 'close()');
        const next = await withTimeout(subscription[Symbol.asyncIterator]().next(), WAIT_MS, 'next() after close()');
        expect(next.done).toBe(true);
      });

      it('resumes from a stored checkpoint after a restart: only later events arrive', async () => {
        if (!harness.reopen) throw new Error('the factory must provide reopen() for the restart test');
        const stream = newStream();
        const early = events(3);
        const result = await store.append(stream, early, 'no_stream');
        const checkpoint = result.position;

        // Positions are opaque (EventStoreDB rejects one that is not a record's): take the previous event's.
        const [, second] = await store.readStream(stream);
        const subscription = store.subscribeToAll({ fromPosition: second.position });
        const delivered = await take(subscription, new Set([stream]), 1);
        await subscription.close();
        expect(ids(delivered)).toEqual([early[2].metadata.eventId]);

        store = await harness.reopen();
        const late = events(2);
        await store.append(stream, late, 2);
        const resumed = store.subscribeToAll({ fromPosition: checkpoint });
        try {
          const received = await take(resumed, new Set([stream]), 2);
          expect(ids(received)).toEqual(ids(late));
          expect(received.every((e) => e.position > checkpoint)).toBe(true);
        } finally {
          await resumed.close();
        }
        expect(verifyChain(await store.readStream(stream, { raw: true }))).toEqual({ valid: true, events: 5 });
      });
    });

    describe('positions of an append of several events', () => {
      // EventStoreDB writes such an append as one transaction: one shared commit position, a prepare
      // position per event, byte offsets apart. Each event must still arrive once, with its own position.
      it('gives each event its own increasing position, as append reported, and readAll sees each once', async () => {
        const head = await store.headPosition();
        const stream = newStream();
        const appended = events(3);
        const result = await store.append(stream, appended, 'no_stream');
        expect(result.positions).toHaveLength(3);
        expect(result.position).toBe(result.positions[2]);
        expect(new Set(result.positions).size).toBe(3);
        expect([...result.positions].sort((x, y) => x - y)).toEqual(result.positions);

        const seen = await ours(store, new Set([stream]), head);
        expect(ids(seen)).toEqual(ids(appended));
        expect(seen.map((e) => e.position)).toEqual(result.positions);
        expect((await store.readStream(stream)).map((e) => e.position)).toEqual(result.positions);
      });

      it('a subscription sees all three once, from the start and from inside the append', async () => {
        const head = await store.headPosition();
        const stream = newStream();
        const appended = events(3);
        const result = await store.append(stream, appended, 'no_stream');
        const after = events(1);
        await store.append(stream, after, 2);

        const whole = store.subscribeToAll({ fromPosition: head });
        try {
          expect(ids(await take(whole, new Set([stream]), 4))).toEqual(ids([...appended, ...after]));
        } finally {
          await whole.close();
        }
        // A checkpoint can fall inside an append (a run ends there): resuming must not skip its tail.
        const inside = store.subscribeToAll({ fromPosition: result.positions[0] });
        try {
          expect(ids(await take(inside, new Set([stream]), 3))).toEqual(ids([appended[1], appended[2], after[0]]));
        } finally {
          await inside.close();
        }
        const page = await store.readAll({ fromPosition: result.positions[1], maxCount: 1 });
        expect(ids(page.filter((e) => e.streamId === stream))).toEqual([appended[2].metadata.eventId]);
      });

      it('refuses to read from a position it never produced, with InvalidPosition', async () => {
        await store.append(newStream(), events(2), 'no_stream');
        const beyond = (await store.headPosition()) + 1;
        const refused = await rejection(store.readAll({ fromPosition: beyond }));
        expect(refused).toBeInstanceOf(InvalidPosition);
      });
    });

    describe('upcasting', () => {
      const renamed = 'contract.PatientRenamed';
      const upcast = upcasterChain([
        { type: renamed, fromVersion: 1, up: (data) => ({ fullName: (data as { name: string }).name }) },
        { type: renamed, fromVersion: 2, up: (data) => ({ ...(data as object), locale: 'en-IN' }) },
      ]);

      it('applies the upcaster hook on every read, but not with raw: true', async () => {
        await harness.cleanup();
        harness = await factory({ upcast });
        store = harness.store;
        const stream = newStream();
        const head = await store.headPosition();
        await store.append(stream, [
          anEvent({ type: renamed, data: { name: 'Asha' }, schemaVersion: 1 }),
          anEvent({ type: renamed, data: { fullName: 'Asha Rao' }, schemaVersion: 2 }),
          anEvent({ type: 'contract.Other', data: { name: 'untouched' }, schemaVersion: 1 }),
        ], 'no_stream');

        const lifted = [
          { data: { fullName: 'Asha', locale: 'en-IN' }, schemaVersion: 3 },
          { data: { fullName: 'Asha Rao', locale: 'en-IN' }, schemaVersion: 3 },
          { data: { name: 'untouched' }, schemaVersion: 1 },
        ];
        const view = (list: RecordedEvent[]) => list.map((e) => ({ data: e.data, schemaVersion: e.metadata.schemaVersion }));

        expect(view(await store.readStream(stream))).toEqual(lifted);
        expect(view(await ours(store, new Set([stream]), head))).toEqual(lifted);
        const subscription = store.subscribeToAll({ fromPosition: head });
        try {
          expect(view(await take(subscription, new Set([stream]), 3))).toEqual(lifted);
        } finally {
          await subscription.close();
        }

        const raw = await store.readStream(stream, { raw: true });
        expect(view(raw)).toEqual([
          { data: { name: 'Asha' }, schemaVersion: 1 },
          { data: { fullName: 'Asha Rao' }, schemaVersion: 2 },
          { data: { name: 'untouched' }, schemaVersion: 1 },
        ]);
        expect(verifyChain(raw).valid).toBe(true);
      });

      it('a failing upcaster fails the read and the subscription (to be retried), raw reads still work', async () => {
        await harness.cleanup();
        harness = await factory({
          upcast: (event) => {
            if (event.type === 'contract.Poison') throw new Error('upcaster failed');
            return event;
          },
        });
        store = harness.store;
        const stream = newStream();
        const head = await store.headPosition();
        await store.append(stream, [anEvent(), anEvent({ type: 'contract.Poison' })], 'no_stream');

        await expect(store.readStream(stream)).rejects.toThrow('upcaster failed');
        const subscription = store.subscribeToAll({ fromPosition: head });
        try {
          await expect(take(subscription, new Set([stream]), 2)).rejects.toThrow('upcaster failed');
        } finally {
          await subscription.close();
        }
        expect(await store.readStream(stream, { raw: true })).toHaveLength(2);
      });
    });
  });
}
