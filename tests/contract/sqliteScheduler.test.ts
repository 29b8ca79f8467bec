import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteScheduler } from '../../src/infrastructure/scheduling/agendaScheduler.js';
import { openDatabase } from '../../src/infrastructure/sqlite/openDatabase.js';
import { schedulerContract, type OpenedScheduler, type SchedulerStore } from './scheduler.contract.js';

/** Every open() is a new connection to one tmp file, like another process of the embedded profile. */
async function onTmpFile(): Promise<SchedulerStore> {
  const dir = mkdtempSync(join(tmpdir(), 'hv-scheduler-'));
  const file = join(dir, 'healthvision.sqlite');
  return {
    open: async (options) => {
      const db = openDatabase(file, 'normal');
      const scheduler = createSqliteScheduler(db, options);
      return {
        scheduler,
        close: async () => {
          await scheduler.stop();
          db.close();
        },
      };
    },
    destroy: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Sets `Date` (which Agenda reads) `ms` behind the timer clock, as after the wall clock is stepped
 * back; returns the restore function.
 */
function setWallClockBehind(ms: number): () => void {
  const RealDate = globalThis.Date;
  class BehindDate extends RealDate {
    constructor(...args: ConstructorParameters<DateConstructor> | []) {
      if (args.length === 0) super(RealDate.now() - ms);
      else super(...args);
    }

    static override now(): number {
      return RealDate.now() - ms;
    }
  }
  globalThis.Date = BehindDate as DateConstructor;
  return () => { globalThis.Date = RealDate; };
}

schedulerContract('Agenda on SQLite', onTmpFile);

describe('SQLite scheduler specifics', () => {
  let store: SchedulerStore;
  let opened: OpenedScheduler | undefined;
  let restoreWallClock: (() => void) | undefined;
  beforeEach(async () => { store = await onTmpFile(); });
  afterEach(async () => {
    restoreWallClock?.();
    restoreWallClock = undefined;
    await opened?.close();
    opened = undefined;
    await store.destroy();
  });

  it('runs a job scheduled in this process without waiting for the next poll', async () => {
    opened = await store.open({ processEvery: 2000, lockLifetime: 1000 });
    const { scheduler } = opened;
    const runs: number[] = [];
    scheduler.define('prompt', async () => { runs.push(Date.now()); });
    await scheduler.start();

    const dueNow = Date.now();
    await scheduler.schedule('prompt', new Date(dueNow), {});
    const dueSoon = new Date(Date.now() + 300);
    await scheduler.schedule('prompt', dueSoon, {});
    const deadline = Date.now() + 2500;
    while (runs.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(runs).toHaveLength(2);
    expect(runs[0] - dueNow).toBeLessThan(1500);
    expect(runs[1]).toBeGreaterThanOrEqual(dueSoon.getTime() - 5);
    expect(runs[1] - dueSoon.getTime()).toBeLessThan(1500);
  });

  it('runs a job locked ahead of its time at that time even when its timer fires before the wall clock gets there', async () => {
    // Node's timers run on libuv's monotonic millisecond clock, Agenda compares against Date.now():
    // a wall clock 100 ms behind makes Agenda's one timer for the job fire "early", deterministically.
    opened = await store.open({ processEvery: 2000, lockLifetime: 10_000 });
    const { scheduler } = opened;
    const runs: number[] = [];
    scheduler.define('prompt', async () => { runs.push(Date.now()); });
    await scheduler.start();

    const due = new Date(Date.now() + 300);
    await scheduler.schedule('prompt', due, {});
    // By now Agenda has locked the job and armed its timer for the due time.
    await new Promise((r) => setTimeout(r, 50));
    restoreWallClock = setWallClockBehind(100);
    const deadline = Date.now() + 2500;
    while (runs.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(runs).toHaveLength(1);
    expect(runs[0]).toBeGreaterThanOrEqual(due.getTime());
    // The next poll is ~2000 ms after start; a run before it came from the wake-up, not the poll.
    expect(runs[0] - due.getTime()).toBeLessThan(1000);
  });

  it('logs a failed attempt as a warning and the last one as an error', async () => {
    const entries: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
    const record = (level: string) => (fields: Record<string, unknown>, msg: string) => { entries.push({ level, msg, fields }); };
    opened = await store.open({ processEvery: 50, lockLifetime: 1000, logger: { info: record('info'), warn: record('warn'), error: record('error') } });
    const { scheduler } = opened;
    scheduler.define('flaky', async () => { throw new Error('mail server down'); }, { attempts: 2, backoffMs: 50 });
    await scheduler.start();

    await scheduler.schedule('flaky', new Date(), {});
    const deadline = Date.now() + 5000;
    while (entries.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(entries.map(({ level, fields }) => [level, fields.attempt, fields.err])).toEqual([
      ['warn', 1, 'mail server down'],
      ['error', 2, 'mail server down'],
    ]);
  });

  it('reports a store it cannot use from schedule and start, not as an unhandled rejection', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hv-scheduler-closed-'));
    const db = openDatabase(join(dir, 'closed.sqlite'), 'normal');
    db.close();
    try {
      const scheduler = createSqliteScheduler(db, { processEvery: 50 });
      await expect(scheduler.schedule('anything', new Date(), {})).rejects.toThrow(/not open/);
      await expect(scheduler.start()).rejects.toThrow(/not open/);
      await scheduler.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
