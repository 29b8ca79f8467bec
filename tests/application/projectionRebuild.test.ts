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
import type { Projection } from '../../src/application/eventSourcing/projection.js';
import { Conflict } from '../../src/domain/shared/errors.js';
import { FakeClock } from '../support/fakeClock.js';

const silent = { error: () => {} };
const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

function open() {
  const dir = mkdtempSync(join(tmpdir(), 'hv-rebuild-'));
  dirs.push(dir);
  const db: Database.Database = openDatabase(join(dir, 'db.sqlite'), 'normal');
  const store = new SqliteReadStore(db);
  return { db, events: new SqliteEventStore(db), store, reads: new GenerationRouting(store) };
}

let n = 0;
async function deposit(events: SqliteEventStore, account: string, amount: number) {
  n += 1;
  return events.append(`account-${account}`, [{
    type: 'Deposited',
    data: { account, amount },
    metadata: { eventId: `e-${n}`, actor: { userId: 'u', role: 'patient' }, correlationId: 'c', causationId: null, recordedAt: '2030-01-07T03:30:00.000Z', schemaVersion: 1 },
  }], 'any');
}

/** Balances, with the amount counted `factor` times: a new release of a projection changes what it writes. */
function balances(factor: number, hooks: { before?: (account: string) => Promise<void> } = {}): Projection {
  return {
    name: 'balances',
    collections: [{ name: 'balances' }],
    handles: ['Deposited'],
    apply: async (event, read) => {
      const { account, amount } = event.data as { account: string; amount: number };
      await hooks.before?.(account);
      const current = await read.get<{ id: string; total: number }>('balances', account);
      return [{ collection: 'balances', id: account, set: { total: (current?.total ?? 0) + factor * amount } }];
    },
  };
}

const total = async (reads: GenerationRouting, account: string) => (await reads.get<{ id: string; total: number }>('balances', account))?.total ?? null;

/** A run of the old release, then the new one started on the same store. */
async function upgraded(s: ReturnType<typeof open>, next: Projection) {
  const old = new ProjectionRunner({ events: s.events, reads: s.reads, clock: new FakeClock(), log: silent }, [balances(1)]);
  await old.start();
  await deposit(s.events, 'a', 5);
  await deposit(s.events, 'b', 3);
  await old.waitFor(await s.events.headPosition());
  await old.stop();
  const runner = new ProjectionRunner({ events: s.events, reads: s.reads, clock: new FakeClock(), log: silent }, [next]);
  await runner.start();
  return runner;
}

describe('rebuilding a projection aside', () => {
  it('reads keep the live generation (and its new writes) until the rebuilt one is swapped in', async () => {
    const s = open();
    let opened: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => { opened = resolve; });
    let gated = false;
    const runner = await upgraded(s, balances(2, { before: async (account) => { if (gated && account === 'b') await gate; } }));
    gated = true;
    const started = await runner.rebuild('balances');
    expect(started).toMatchObject({ state: 'building', generation: 1 });

    // The rebuild is held at b's deposit: readers see the old generation, whole.
    expect([await total(s.reads, 'a'), await total(s.reads, 'b')]).toEqual([5, 3]);
    const { position } = await deposit(s.events, 'c', 1);
    expect(await runner.waitFor(position)).toBe(true);
    expect(await total(s.reads, 'c')).toBe(2);
    expect(runner.status()[0]).toMatchObject({ rebuilding: true, generation: 0 });
    expect((await runner.rebuildProgress())[0]).toMatchObject({ projection: 'balances', state: 'building', generation: 1 });

    opened();
    expect(await runner.finished('balances')).toMatchObject({ state: 'swapped', eventsDone: 3, eventsTotal: 3, error: null });
    expect([await total(s.reads, 'a'), await total(s.reads, 'b'), await total(s.reads, 'c')]).toEqual([10, 6, 2]);
    expect(runner.status()[0]).toMatchObject({ rebuilding: false, generation: 1, owned: true });
    // The live loop now writes the new generation.
    const later = await deposit(s.events, 'a', 1);
    expect(await runner.waitFor(later.position)).toBe(true);
    expect(await total(s.reads, 'a')).toBe(12);
    expect((await runner.rebuildProgress())[0]).toMatchObject({ state: 'swapped' });
    await runner.stop();
    s.db.close();
  });

  it('a second rebuild of the same projection while one runs is refused with a conflict', async () => {
    const s = open();
    let opened: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => { opened = resolve; });
    let gated = false;
    const runner = await upgraded(s, balances(1, { before: async () => { if (gated) await gate; } }));
    gated = true;
    await runner.rebuild('balances');
    const second = runner.rebuild('balances');
    await expect(second).rejects.toBeInstanceOf(Conflict);
    await expect(second).rejects.toMatchObject({ code: 'rebuild_in_progress' });
    opened();
    expect(await runner.finished('balances')).toMatchObject({ state: 'swapped' });
    // Once done, it may be rebuilt again (into the next generation).
    await runner.rebuild('balances');
    expect(await runner.finished('balances')).toMatchObject({ state: 'swapped', generation: 2 });
    expect(await total(s.reads, 'a')).toBe(5);
    await runner.stop();
    s.db.close();
  });

  it('a rebuild that fails leaves the live generation serving, says why, and discards what it built', async () => {
    const s = open();
    let rebuilding = false;
    const runner = await upgraded(s, balances(1, { before: async (account) => { if (rebuilding && account === 'b') throw new Error('cannot project b'); } }));
    rebuilding = true;
    await runner.rebuild('balances');
    const outcome = await runner.finished('balances');
    rebuilding = false;
    expect(outcome).toMatchObject({ state: 'failed', error: 'cannot project b', generation: 1 });
    expect(outcome?.finishedAt).not.toBeNull();
    expect((await runner.rebuildProgress())[0]).toMatchObject({ state: 'failed', error: 'cannot project b' });
    expect(runner.status()[0]).toMatchObject({ generation: 0, rebuilding: false, lastError: null });
    expect([await total(s.reads, 'a'), await total(s.reads, 'b')]).toEqual([5, 3]);
    expect(await s.store.count('balances_g1')).toBe(0);
    const { position } = await deposit(s.events, 'a', 1);
    expect(await runner.waitFor(position)).toBe(true);
    expect(await total(s.reads, 'a')).toBe(6);
    await runner.stop();
    s.db.close();
  });
});
