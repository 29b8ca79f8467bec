import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { openDatabase } from '../../src/infrastructure/sqlite/openDatabase.js';
import { SqliteEventStore } from '../../src/infrastructure/eventStore/sqliteEventStore.js';
import { SqliteReadStore } from '../../src/infrastructure/readStore/sqliteReadStore.js';
import { ReactorRunner, type ReactorRetryPolicy } from '../../src/application/eventSourcing/reactorRunner.js';
import type { Reactor } from '../../src/application/eventSourcing/reactor.js';
import type { RecordedEvent } from '../../src/application/ports/eventStore.js';
import type { ReadStore } from '../../src/application/ports/readStore.js';
import { DomainError, Invalid, NotFound } from '../../src/domain/shared/errors.js';
import { FakeClock } from '../support/fakeClock.js';
import { eventually } from '../support/polling.js';

const silent = { error: () => {} };
const dirs: string[] = [];
const runners: ReactorRunner[] = [];
let n = 0;

/** Tiny delays, so a test sees the whole retry schedule in milliseconds. */
const quick: ReactorRetryPolicy = { attempts: 3, baseDelayMs: 1, maxDelayMs: 4, redriveEveryMs: 30 };

function open() {
  const dir = mkdtempSync(join(tmpdir(), 'hv-park-'));
  dirs.push(dir);
  const db: Database.Database = openDatabase(join(dir, 'db.sqlite'), 'normal');
  return { db, events: new SqliteEventStore(db), reads: new SqliteReadStore(db) };
}

async function deposit(events: SqliteEventStore, account: string) {
  n += 1;
  const eventId = `e-${n}`;
  const appended = await events.append(`account-${account}`, [{
    type: 'Deposited',
    data: { account },
    metadata: { eventId, actor: { userId: 'u', role: 'patient' }, correlationId: 'c', causationId: null, recordedAt: '2030-01-01T00:00:00.000Z', schemaVersion: 1 },
  }], 'any');
  return { ...appended, eventId };
}

const accountOf = (event: RecordedEvent) => (event.data as { account: string }).account;
const refused = () => new Invalid('mail_refused', 'The mail service refused the message: invalid_from_address.');
const down = () => new DomainError('unavailable', 'mail_unavailable', 'The mail service could not be reached.');

async function started(s: ReturnType<typeof open>, reactors: Reactor[], retry: ReactorRetryPolicy = quick, reads: ReadStore = s.reads) {
  const runner = new ReactorRunner({ events: s.events, reads, clock: new FakeClock('2030-01-07T04:00:00.000Z'), log: silent, retry }, reactors);
  runners.push(runner);
  await runner.start();
  return runner;
}

afterEach(async () => {
  for (const r of runners.splice(0)) await r.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('a reactor that cannot handle one event', () => {
  it('parks a poison event with its reason at once and still delivers the events after it', async () => {
    const s = open();
    const delivered: string[] = [];
    let calls = 0;
    const mail: Reactor = {
      name: 'mail', handles: ['Deposited'],
      react: async (e) => { calls += 1; if (accountOf(e) === 'poison') throw refused(); delivered.push(accountOf(e)); },
    };
    const runner = await started(s, [mail]);
    await deposit(s.events, 'a');
    const poison = await deposit(s.events, 'poison');
    await deposit(s.events, 'b');
    await eventually(() => expect(delivered).toEqual(['a', 'b']));
    expect(await runner.parked()).toEqual([{
      id: `mail:${poison.eventId}`, reactor: 'mail', eventId: poison.eventId, streamId: 'account-poison', revision: 0, position: poison.position,
      type: 'Deposited', kind: 'permanent', reason: 'The mail service refused the message: invalid_from_address.', attempts: 1,
      parkedAt: '2030-01-07T04:00:00.000Z', lastAttemptAt: '2030-01-07T04:00:00.000Z',
    }]);
    // A permanent refusal is not retried in place, and a parked event is not a failing loop.
    expect(calls).toBe(3);
    expect(runner.errors()).toEqual([]);
    expect(await runner.parkedCounts()).toEqual({ mail: 1 });
  });

  it('retries a transient failure in place and delivers the event once it passes', async () => {
    const s = open();
    let failures = 2;
    const delivered: string[] = [];
    const mail: Reactor = {
      name: 'mail', handles: ['Deposited'],
      react: async (e) => { if (failures > 0) { failures -= 1; throw down(); } delivered.push(accountOf(e)); },
    };
    const runner = await started(s, [mail]);
    await deposit(s.events, 'a');
    await eventually(() => expect(delivered).toEqual(['a']));
    expect(await runner.parked()).toEqual([]);
    expect(await s.reads.count('reactor_receipts')).toBe(1);
  });

  it('parks a transient failure that outlasts its retries, moves on, and delivers it by itself once the dependency is back', async () => {
    const s = open();
    let healthy = false;
    const delivered: string[] = [];
    const mail: Reactor = {
      name: 'mail', handles: ['Deposited'],
      react: async (e) => { if (accountOf(e) === 'a' && !healthy) throw down(); delivered.push(accountOf(e)); },
    };
    const runner = await started(s, [mail]);
    const a = await deposit(s.events, 'a');
    await deposit(s.events, 'b');
    await eventually(() => expect(delivered).toEqual(['b']));
    const [parked] = await runner.parked();
    expect(parked).toMatchObject({ reactor: 'mail', eventId: a.eventId, kind: 'transient', reason: 'The mail service could not be reached.' });
    expect(parked.attempts).toBeGreaterThanOrEqual(quick.attempts);
    healthy = true;
    await eventually(async () => expect(await runner.parked()).toEqual([]));
    expect(delivered).toEqual(['b', 'a']);
    // The re-drive wrote the receipt: a replay from an old checkpoint sends nothing twice.
    expect(await s.reads.get('reactor_receipts', `mail:${a.eventId}`)).not.toBeNull();
  });

  it('leaves a permanent refusal for an admin, whose retry delivers it once the cause is fixed', async () => {
    const s = open();
    let fixed = false;
    const delivered: string[] = [];
    const mail: Reactor = {
      name: 'mail', handles: ['Deposited'],
      react: async (e) => { if (!fixed) throw refused(); delivered.push(accountOf(e)); },
    };
    const runner = await started(s, [mail]);
    await deposit(s.events, 'a');
    await eventually(async () => expect(await runner.parked()).toHaveLength(1));
    // Several re-drive periods pass: a permanent refusal is never retried by itself.
    await new Promise((r) => setTimeout(r, quick.redriveEveryMs * 4));
    expect(delivered).toEqual([]);

    const [{ id }] = await runner.parked();
    expect(await runner.retryParked(id)).toMatchObject({ outcome: 'parked', parked: { attempts: 2, kind: 'permanent' } });
    fixed = true;
    expect(await runner.retryParked(id)).toEqual({ outcome: 'delivered' });
    expect(delivered).toEqual(['a']);
    expect(await runner.parked()).toEqual([]);
    await expect(runner.retryParked(id)).rejects.toThrow(NotFound);
  });

  it('falls back to the whole-run retry when even the parking cannot be written, and loses nothing', async () => {
    const s = open();
    let storeDown = true;
    const reads = Object.assign(Object.create(s.reads) as SqliteReadStore, {
      apply: (writes: Parameters<SqliteReadStore['apply']>[0], position: number) => {
        if (storeDown && writes.some((w) => w.collection === 'reactor_parked')) return Promise.reject(new Error('read store unreachable'));
        return s.reads.apply(writes, position);
      },
    });
    const mail: Reactor = { name: 'mail', handles: ['Deposited'], react: async () => { throw refused(); } };
    const runner = await started(s, [mail], quick, reads);
    const a = await deposit(s.events, 'a');
    await eventually(() => expect(runner.errors()).toEqual(['read store unreachable']));
    storeDown = false;
    await eventually(async () => expect(await runner.parked()).toMatchObject([{ eventId: a.eventId, kind: 'permanent' }]), 5000);
    await eventually(() => expect(runner.errors()).toEqual([]));
  });

  it('hands an idempotent reactor the others of a run one by one when one of them is poison, parking only that one', async () => {
    const s = open();
    const batches: string[][] = [];
    const single: string[] = [];
    const timers: Reactor = {
      name: 'timers', handles: ['Deposited'], idempotent: true,
      react: async (e) => { if (accountOf(e) === 'poison') throw refused(); single.push(accountOf(e)); },
      reactAll: async (events) => {
        if (events.some((e) => accountOf(e) === 'poison')) throw refused();
        batches.push(events.map(accountOf));
      },
    };
    const runner = await started(s, [timers]);
    await Promise.all(['a', 'poison', 'c'].map((account) => deposit(s.events, account)));
    await eventually(() => expect(single).toEqual(['a', 'c']));
    expect(await runner.parked()).toMatchObject([{ reactor: 'timers', kind: 'permanent' }]);
    await deposit(s.events, 'd');
    await eventually(() => expect(batches).toEqual([['d']]));
  });
});
