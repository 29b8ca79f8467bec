import { describe, expect, it, beforeEach } from '@jest/globals';
import { openDatabase } from '../../src/infrastructure/sqlite/openDatabase.js';
import { SqliteEventStore } from '../../src/infrastructure/eventStore/sqliteEventStore.js';
import { handle, deterministicId, type HandlerDeps } from '../../src/application/eventSourcing/commandHandler.js';
import type { Decider, DomainEvent } from '../../src/domain/shared/event.js';
import { Conflict } from '../../src/domain/shared/errors.js';
import { verifyChain } from '../../src/application/eventSourcing/eventChain.js';
import { FakeClock } from '../support/fakeClock.js';

type CounterEvent = DomainEvent<'Incremented', { by: number }>;
const counter: Decider<number, CounterEvent> = { initialState: 0, evolve: (n, e) => n + e.data.by };
const increment = (by: number) => (): CounterEvent[] => [{ type: 'Incremented', data: { by } }];
const ctx = { actor: { userId: 'u-1', role: 'patient' as const }, correlationId: 'req-1' };

let sequence = 0;
function deps(): HandlerDeps & { events: SqliteEventStore } {
  return {
    events: new SqliteEventStore(openDatabase(':memory:')),
    clock: new FakeClock('2030-01-01T00:00:00Z'),
    ids: { next: () => `id-${(sequence += 1)}` },
  };
}

describe('a command handler', () => {
  let d: ReturnType<typeof deps>;
  beforeEach(() => { d = deps(); });

  it('folds the stream, appends the decision and answers with the new state and position', async () => {
    await handle(d, 'counter-1', counter, increment(2), ctx);
    const result = await handle(d, 'counter-1', counter, increment(3), ctx);
    expect(result).toMatchObject({ state: 5, revision: 1 });
    expect(result.position).toBe(await d.events.headPosition());
    const [, second] = await d.events.readStream('counter-1');
    expect(second.metadata).toMatchObject({ actor: ctx.actor, correlationId: 'req-1', recordedAt: '2030-01-01T00:00:00.000Z', schemaVersion: 1 });
  });

  it('writes nothing when the decision is empty', async () => {
    await handle(d, 'counter-1', counter, increment(1), ctx);
    const result = await handle(d, 'counter-1', counter, () => [], ctx);
    expect(result).toMatchObject({ state: 1, appended: [], revision: 0 });
    expect(await d.events.readStream('counter-1')).toHaveLength(1);
  });

  it('opens a stream named by a fresh id without reading it first', async () => {
    let reads = 0;
    const counted: HandlerDeps = { ...d, events: Object.assign(Object.create(d.events) as SqliteEventStore, {
      readStream: (...args: Parameters<SqliteEventStore['readStream']>) => { reads += 1; return d.events.readStream(...args); },
    }) };
    const result = await handle(counted, 'counter-new', counter, increment(4), ctx, { newStream: true });
    expect(result).toMatchObject({ state: 4, revision: 0 });
    expect(reads).toBe(0);
    expect(await d.events.readStream('counter-new')).toHaveLength(1);
  });

  it('decides on the real state when a stream expected to be new already exists', async () => {
    await handle(d, 'counter-1', counter, increment(1), ctx);
    const seen: number[] = [];
    const result = await handle(d, 'counter-1', counter, (state) => { seen.push(state); return increment(2)(); }, ctx, { newStream: true });
    expect(seen).toEqual([0, 1]);
    expect(result).toMatchObject({ state: 3, revision: 1 });
    expect(verifyChain(await d.events.readStream('counter-1', { raw: true })).valid).toBe(true);
  });

  it('decides on a history the caller just read, and on a fresh read when that history went stale', async () => {
    await handle(d, 'counter-1', counter, increment(1), ctx);
    const known = await d.events.readStream('counter-1');
    await handle(d, 'counter-1', counter, increment(5), ctx);
    const seen: number[] = [];
    const result = await handle(d, 'counter-1', counter, (state) => { seen.push(state); return increment(2)(); }, ctx, { history: known });
    expect(seen).toEqual([1, 6]);
    expect(result).toMatchObject({ state: 8, revision: 2 });
  });

  it('a step under an Idempotency-Key is told apart from another step of the same command on the same stream', async () => {
    const keyed = { ...ctx, idempotencyKey: 'retried-command' };
    await handle(d, 'counter-2', counter, increment(1), keyed, { step: 'first' });
    const second = await handle(d, 'counter-2', counter, increment(2), keyed, { step: 'second' });
    expect(second.appended).toHaveLength(1);
    const again = await handle(d, 'counter-2', counter, increment(2), keyed, { step: 'second' });
    expect(again.appended).toHaveLength(0);
    expect((await d.events.readStream('counter-2')).map((e) => (e.data as { by: number }).by)).toEqual([1, 2]);
  });

  it('decides again on fresh state when another writer got in first', async () => {
    let interfered = false;
    const result = await handle(d, 'counter-1', counter, (state) => {
      if (!interfered) {
        interfered = true;
        // Simulates a concurrent request appending between our read and our append.
        void d.events.append('counter-1', [{ type: 'Incremented', data: { by: 10 }, metadata: {
          eventId: 'other', actor: ctx.actor, correlationId: 'x', causationId: null, recordedAt: 'now', schemaVersion: 1 } }], 'no_stream');
      }
      return [{ type: 'Incremented' as const, data: { by: state + 1 } }];
    }, ctx);
    expect(result.state).toBe(21);
    expect((await d.events.readStream('counter-1')).map((e) => (e.data as { by: number }).by)).toEqual([10, 11]);
  });

  it('gives up with a 409 conflict after three lost races', async () => {
    let attempts = 0;
    const racing = handle(d, 'counter-1', counter, () => {
      attempts += 1;
      void d.events.append('counter-1', [{ type: 'Incremented', data: { by: 1 }, metadata: {
        eventId: `other-${attempts}`, actor: ctx.actor, correlationId: 'x', causationId: null, recordedAt: 'now', schemaVersion: 1 } }], 'any');
      return [{ type: 'Incremented' as const, data: { by: 100 } }];
    }, ctx);
    await expect(racing).rejects.toBeInstanceOf(Conflict);
    expect(attempts).toBe(3);
  });

  it('turns a retried command with the same idempotency key into a no-op', async () => {
    const keyed = { ...ctx, idempotencyKey: 'key-1' };
    const first = await handle(d, 'counter-1', counter, increment(5), keyed);
    const retry = await handle(d, 'counter-1', counter, increment(5), { ...keyed, correlationId: 'req-2' });
    expect(retry).toMatchObject({ state: 5, appended: [], position: first.position, lastEventId: first.lastEventId });
    expect(await d.events.readStream('counter-1')).toHaveLength(1);
    // Without the key, the same command is a new one.
    await handle(d, 'counter-1', counter, increment(5), ctx);
    expect(await d.events.readStream('counter-1')).toHaveLength(2);
  });

  it('dedupes a re-append of the same ids at the store too (an append retried after a lost answer)', async () => {
    const meta = { eventId: 'e-1', actor: ctx.actor, correlationId: 'c', causationId: null, recordedAt: 't', schemaVersion: 1 };
    const first = await d.events.append('counter-1', [{ type: 'Incremented', data: { by: 1 }, metadata: meta }], 'no_stream');
    const again = await d.events.append('counter-1', [{ type: 'Incremented', data: { by: 1 }, metadata: meta }], 'no_stream');
    expect(again).toEqual(first);
    expect(await d.events.readStream('counter-1')).toHaveLength(1);
  });

  it('derives stable, distinct UUID-shaped ids from an idempotency key', () => {
    const a = deterministicId('k', 's', 0);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(deterministicId('k', 's', 0)).toBe(a);
    expect(new Set([a, deterministicId('k', 's', 1), deterministicId('k', 't', 0), deterministicId('j', 's', 0)]).size).toBe(4);
  });

  it('leaves a hash chain that verifies', async () => {
    for (let i = 1; i <= 5; i += 1) await handle(d, 'counter-1', counter, increment(i), ctx);
    expect(verifyChain(await d.events.readStream('counter-1', { raw: true }))).toEqual({ valid: true, events: 5 });
  });
});
