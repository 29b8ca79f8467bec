import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { openDatabase } from '../../src/infrastructure/sqlite/openDatabase.js';
import { SqliteEventStore } from '../../src/infrastructure/eventStore/sqliteEventStore.js';
import { SqliteReadStore } from '../../src/infrastructure/readStore/sqliteReadStore.js';
import { ProjectionRunner } from '../../src/application/eventSourcing/projectionRunner.js';
import { GenerationRouting } from '../../src/application/eventSourcing/generations.js';
import { ReactorRunner } from '../../src/application/eventSourcing/reactorRunner.js';
import type { Projection } from '../../src/application/eventSourcing/projection.js';
import type { Reactor } from '../../src/application/eventSourcing/reactor.js';
import type { RecordedEvent } from '../../src/application/ports/eventStore.js';
import { FakeClock } from '../support/fakeClock.js';

const silent = { error: () => {} };
const dirs: string[] = [];
let n = 0;

function open() {
  const dir = mkdtempSync(join(tmpdir(), 'hv-proj-'));
  dirs.push(dir);
  return reopen(join(dir, 'db.sqlite'));
}

function reopen(file: string) {
  const db: Database.Database = openDatabase(file, 'normal');
  return { file, db, events: new SqliteEventStore(db), reads: new SqliteReadStore(db) };
}

async function deposit(events: SqliteEventStore, account: string, amount: number) {
  n += 1;
  return events.append(`account-${account}`, [{
    type: 'Deposited',
    data: { account, amount },
    metadata: { eventId: `e-${n}`, actor: { userId: 'u', role: 'patient' }, correlationId: 'c', causationId: null, recordedAt: '2030-01-01T00:00:00.000Z', schemaVersion: 1 },
  }], 'any');
}

/** Balances as a projection: counting deposits twice would show at once. */
const balances: Projection = {
  name: 'balances',
  collections: [{ name: 'balances' }],
  handles: ['Deposited'],
  apply: async (event, read) => {
    const { account, amount } = event.data as { account: string; amount: number };
    const current = await read.get<{ id: string; total: number }>('balances', account);
    return [{ collection: 'balances', id: account, set: { total: (current?.total ?? 0) + amount } }];
  },
};

afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

describe('the projection runner', () => {
  it('projects events and lets a query wait for a command\'s position (read-your-writes)', async () => {
    const s = open();
    const runner = new ProjectionRunner({ events: s.events, reads: s.reads, clock: new FakeClock(), log: silent }, [balances]);
    await runner.start();
    await deposit(s.events, 'a', 5);
    const { position } = await deposit(s.events, 'a', 7);
    expect(await runner.waitFor(position, 2000)).toBe(true);
    expect(await s.reads.get('balances', 'a')).toMatchObject({ total: 12 });
    expect(await runner.waitFor(position + 100, 50)).toBe(false);
    await runner.stop();
    s.db.close();
  });

  it('writes a run of events that arrived together in one go, while a projection that reads still sees each write before it', async () => {
    const s = open();
    const runs: number[] = [];
    const reads = Object.assign(Object.create(s.reads) as SqliteReadStore, {
      applyInOrder: (batch: Parameters<SqliteReadStore['applyInOrder']>[0]) => {
        runs.push(batch.length);
        return s.reads.applyInOrder(batch);
      },
    });
    const ledger: Projection = {
      name: 'ledger',
      collections: [{ name: 'ledger' }],
      handles: ['Deposited'],
      apply: (event) => [{ collection: 'ledger', id: String(event.position), set: { amount: (event.data as { amount: number }).amount } }],
    };
    const runner = new ProjectionRunner({ events: s.events, reads, clock: new FakeClock(), log: silent }, [balances, ledger]);
    await runner.start();
    // Requested in one turn, these share one commit in the event store and reach subscribers together.
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => deposit(s.events, 'a', i + 1)));
    expect(await runner.waitFor(Math.max(...results.map((r) => r.position)), 2000)).toBe(true);
    expect(await s.reads.get('balances', 'a')).toMatchObject({ total: 210 });
    expect(await s.reads.count('ledger')).toBe(20);
    // The ledger's 20 writes went in one call; balances, which reads, wrote before each of its reads.
    expect(runs.filter((size) => size === 20)).toHaveLength(1);
    expect(runs.filter((size) => size === 1)).toHaveLength(20);
    await runner.stop();
    s.db.close();
  });

  it('resumes from its checkpoint after a restart without applying anything twice', async () => {
    const s = open();
    const first = new ProjectionRunner({ events: s.events, reads: s.reads, clock: new FakeClock(), log: silent }, [balances]);
    await first.start();
    for (let i = 0; i < 120; i += 1) await deposit(s.events, 'a', 1);
    await first.waitFor(await s.events.headPosition());
    await first.stop();
    s.db.close();

    const again = reopen(s.file);
    for (let i = 0; i < 3; i += 1) await deposit(again.events, 'a', 1);
    const second = new ProjectionRunner({ events: again.events, reads: again.reads, clock: new FakeClock(), log: silent }, [balances]);
    await second.start();
    expect(await second.waitFor(await again.events.headPosition())).toBe(true);
    expect(await again.reads.get('balances', 'a')).toMatchObject({ total: 123 });
    await second.stop();
    again.db.close();
  });

  it('rebuilds a read model from the event store into the same documents', async () => {
    const s = open();
    const reads = new GenerationRouting(s.reads);
    const runner = new ProjectionRunner({ events: s.events, reads, clock: new FakeClock(), log: silent }, [balances]);
    await runner.start();
    await deposit(s.events, 'a', 5);
    await deposit(s.events, 'b', 3);
    await runner.waitFor(await s.events.headPosition());
    const before = await reads.find('balances', {}, { sort: { id: 1 } });
    await runner.rebuild('balances');
    expect(await runner.finished('balances')).toMatchObject({ state: 'swapped', eventsDone: 2 });
    await runner.waitFor(await s.events.headPosition());
    expect(await reads.find('balances', {}, { sort: { id: 1 } })).toEqual(before);
    expect(runner.status()).toEqual([{ name: 'balances', position: 2, generation: 1, owned: true, rebuilding: false, lastError: null }]);
    await runner.stop();
    s.db.close();
  });

  it('retries a failing projection instead of skipping the event', async () => {
    const s = open();
    let failures = 2;
    const flaky: Projection = { ...balances, name: 'flaky', apply: (event, read) => {
      if (failures > 0) { failures -= 1; throw new Error('read model briefly unavailable'); }
      return balances.apply(event, read);
    } };
    const runner = new ProjectionRunner({ events: s.events, reads: s.reads, clock: new FakeClock(), log: silent }, [flaky]);
    await runner.start();
    const { position } = await deposit(s.events, 'a', 5);
    expect(await runner.waitFor(position, 5000)).toBe(true);
    expect(await s.reads.get('balances', 'a')).toMatchObject({ total: 5 });
    await runner.stop();
    s.db.close();
  });
});

describe('the reactor runner', () => {
  it('delivers each event once per reactor, also when replayed from an older checkpoint', async () => {
    const s = open();
    const effects: string[] = [];
    const mailer: Reactor = { name: 'mailer', handles: ['Deposited'], react: async (e: RecordedEvent) => { effects.push(e.metadata.eventId); } };
    const first = new ReactorRunner({ events: s.events, reads: s.reads, clock: new FakeClock(), log: silent }, [mailer]);
    await first.start();
    await deposit(s.events, 'a', 1);
    await deposit(s.events, 'a', 2);
    for (let i = 0; i < 100 && effects.length < 2; i += 1) await new Promise((r) => setTimeout(r, 10));
    await first.stop();
    // Lose the checkpoint (a crash before it was saved): the receipts still prevent a second effect.
    await s.reads.setCheckpoint('reactor:mailer', 0);
    const second = new ReactorRunner({ events: s.events, reads: s.reads, clock: new FakeClock(), log: silent }, [mailer]);
    await second.start();
    await deposit(s.events, 'a', 3);
    for (let i = 0; i < 100 && effects.length < 3; i += 1) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
    expect(effects).toHaveLength(3);
    expect(new Set(effects).size).toBe(3);
    await second.stop();
    s.db.close();
  });

  it('keeps no receipts for a reactor whose effect is idempotent by construction, and still delivers every event', async () => {
    const s = open();
    const scheduled = new Map<string, number>();
    const timer: Reactor = {
      name: 'timer', handles: ['Deposited'], idempotent: true,
      react: async (e: RecordedEvent) => { scheduled.set((e.data as { account: string }).account, (scheduled.get((e.data as { account: string }).account) ?? 0) + 1); },
    };
    const runner = new ReactorRunner({ events: s.events, reads: s.reads, clock: new FakeClock(), log: silent }, [timer]);
    await runner.start();
    await deposit(s.events, 'a', 1);
    await deposit(s.events, 'b', 1);
    for (let i = 0; i < 100 && scheduled.size < 2; i += 1) await new Promise((r) => setTimeout(r, 10));
    await runner.stop();
    expect(Object.fromEntries(scheduled)).toEqual({ a: 1, b: 1 });
    expect(await s.reads.count('reactor_receipts')).toBe(0);
    s.db.close();
  });

  it('hands an idempotent reactor that can act on several events at once the events that arrived together, in one call', async () => {
    const s = open();
    const calls: string[][] = [];
    const timers: Reactor = {
      name: 'timers', handles: ['Deposited'], idempotent: true,
      react: async () => { throw new Error('reactAll is used when present'); },
      reactAll: async (events) => { calls.push(events.map((e) => (e.data as { account: string }).account)); },
    };
    const runner = new ReactorRunner({ events: s.events, reads: s.reads, clock: new FakeClock(), log: silent }, [timers]);
    await runner.start();
    await Promise.all(['a', 'b', 'c'].map((account) => deposit(s.events, account, 1)));
    await deposit(s.events, 'd', 1);
    for (let i = 0; i < 100 && calls.flat().length < 4; i += 1) await new Promise((r) => setTimeout(r, 10));
    await runner.stop();
    expect(calls).toEqual([['a', 'b', 'c'], ['d']]);
    s.db.close();
  });
});
