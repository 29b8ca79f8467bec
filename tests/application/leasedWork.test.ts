import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LeasedWork, type Ownership } from '../../src/application/eventSourcing/leasedWork.js';
import type { Leases } from '../../src/application/ports/leases.js';
import { SqliteLeases } from '../../src/infrastructure/leases/sqliteLeases.js';
import { openDatabase } from '../../src/infrastructure/sqlite/openDatabase.js';
import { FakeClock } from '../support/fakeClock.js';

/*
 * Lease decisions, driven by hand: `decide()` is what each instance's timer calls every third of the TTL.
 * The TTL is long, so the real timers never fire during a test; the fake clock decides expiry.
 */
const TTL = 60_000;
const silent = { error: () => {} };
const cleanups: Array<() => void> = [];
afterEach(() => { for (const c of cleanups.splice(0)) c(); });

function sharedLeases(clock: FakeClock): SqliteLeases {
  const dir = mkdtempSync(join(tmpdir(), 'hv-leased-'));
  const db = openDatabase(join(dir, 'hv.sqlite'), 'normal');
  cleanups.push(() => { db.close(); rmSync(dir, { recursive: true, force: true }); });
  return new SqliteLeases(db, clock);
}

/** One instance's copy of the work: records when it runs. */
function instance(owner: string, leases: Leases, clock: FakeClock) {
  const log: string[] = [];
  const ownership: Ownership = { leases, owner, ttlMs: TTL };
  const work = new LeasedWork('reactor:mail', {
    start: async () => { log.push('start'); },
    stop: async () => { log.push('stop'); },
  }, { ownership, clock, log: silent });
  cleanups.push(() => { void work.end(); });
  return { work, log };
}

describe('one owner per subscriber, by lease', () => {
  it('the first instance runs the work; the second waits while the first renews', async () => {
    const clock = new FakeClock();
    const leases = sharedLeases(clock);
    const a = instance('a', leases, clock);
    const b = instance('b', leases, clock);
    await a.work.begin();
    await b.work.begin();
    for (let i = 0; i < 6; i += 1) {
      clock.advance(TTL / 3);
      await a.work.decide();
      await b.work.decide();
    }
    expect([a.work.owned, b.work.owned]).toEqual([true, false]);
    expect(a.log).toEqual(['start']);
    expect(b.log).toEqual([]);
  });

  it('when the owner dies the other takes over once the lease has expired, not before', async () => {
    const clock = new FakeClock();
    const leases = sharedLeases(clock);
    const a = instance('a', leases, clock);
    const b = instance('b', leases, clock);
    await a.work.begin();
    await b.work.begin();
    // a stops renewing (killed): b keeps asking.
    clock.advance(TTL - 1);
    await b.work.decide();
    expect(b.work.owned).toBe(false);
    clock.advance(1);
    await b.work.decide();
    expect(b.work.owned).toBe(true);
    expect(b.log).toEqual(['start']);
  });

  it('an owner that was paused past its lease stops at its next decision, so two never keep running', async () => {
    const clock = new FakeClock();
    const leases = sharedLeases(clock);
    const a = instance('a', leases, clock);
    const b = instance('b', leases, clock);
    await a.work.begin();
    clock.advance(TTL);
    await b.work.begin();
    await a.work.decide();
    expect([a.work.owned, b.work.owned]).toEqual([false, true]);
    expect(a.log).toEqual(['start', 'stop']);
  });

  it('a clean stop releases the lease, so the other takes over at its next decision', async () => {
    const clock = new FakeClock();
    const leases = sharedLeases(clock);
    const a = instance('a', leases, clock);
    const b = instance('b', leases, clock);
    await a.work.begin();
    await b.work.begin();
    await a.work.end();
    expect(a.log).toEqual(['start', 'stop']);
    await b.work.decide();
    expect(b.work.owned).toBe(true);
  });

  it('with the store unreachable the owner works on until its lease would have run out, then stops', async () => {
    const clock = new FakeClock();
    const leases = sharedLeases(clock);
    let down = false;
    const flaky: Leases = {
      acquire: (...args) => (down ? Promise.reject(new Error('store unreachable')) : leases.acquire(...args)),
      release: (...args) => leases.release(...args),
      holder: (name) => leases.holder(name),
    };
    const a = instance('a', flaky, clock);
    await a.work.begin();
    down = true;
    clock.advance(TTL - 1);
    await a.work.decide();
    expect(a.work.owned).toBe(true);
    clock.advance(1);
    await a.work.decide();
    expect(a.work.owned).toBe(false);
    expect(a.log).toEqual(['start', 'stop']);
  });

  it('work that cannot start gives the lease back and is tried again', async () => {
    const clock = new FakeClock();
    const leases = sharedLeases(clock);
    let attempts = 0;
    const work = new LeasedWork('projection:p', {
      start: async () => { attempts += 1; if (attempts === 1) throw new Error('read store down'); },
      stop: async () => undefined,
    }, { ownership: { leases, owner: 'a', ttlMs: TTL }, clock, log: silent });
    cleanups.push(() => { void work.end(); });
    await work.begin();
    expect(work.owned).toBe(false);
    expect(await leases.holder('projection:p')).toBeNull();
    await work.decide();
    expect(work.owned).toBe(true);
  });
});
