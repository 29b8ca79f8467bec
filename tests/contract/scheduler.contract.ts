import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { Scheduler } from '../../src/application/ports/scheduler.js';
import type { SchedulerOptions } from '../../src/infrastructure/scheduling/agendaScheduler.js';

/**
 * One scheduler on its own connection to the shared job store — what a separate process would have.
 * `close()` stops it and closes that connection.
 */
export interface OpenedScheduler {
  scheduler: Scheduler;
  close(): Promise<void>;
}

export interface SchedulerStore {
  open(options: SchedulerOptions): Promise<OpenedScheduler>;
  /** Removes the store's data; every opened scheduler is closed by then. */
  destroy(): Promise<void>;
}

type DescribeFn = (name: string, fn: () => void) => void;

const POLL_MS = 50;
/**
 * Agenda re-checks a running job's lock every lockLifetime/2 on a timer it never clears; a short
 * lifetime keeps those timers from holding the test process open for minutes.
 */
const LOCK_LIFETIME_MS = 2000;

/** Agenda reads the wall clock, so these tests wait in real time — always bounded. */
async function waitFor(condition: () => boolean, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(20);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const inMs = (ms: number) => new Date(Date.now() + ms);

/**
 * The behaviour the rest of the system relies on, for every Scheduler adapter. Runs are recorded
 * with wall-clock times, so assertions about timing allow a few ms of timer slack.
 */
export function schedulerContract(label: string, createStore: () => Promise<SchedulerStore>, describeFn: DescribeFn = describe): void {
  describeFn(`Scheduler contract: ${label}`, () => {
    let store: SchedulerStore;
    let opened: OpenedScheduler[];
    let jobCounter = 0;
    let job: string;

    const open = async (options: SchedulerOptions = {}) => {
      const instance = await store.open({ processEvery: POLL_MS, lockLifetime: LOCK_LIFETIME_MS, ...options });
      opened.push(instance);
      return instance;
    };
    const close = async (instance: OpenedScheduler) => {
      opened.splice(opened.indexOf(instance), 1);
      await instance.close();
    };

    beforeEach(async () => {
      store = await createStore();
      opened = [];
      job = `contract-job-${process.pid}-${++jobCounter}`;
    });

    afterEach(async () => {
      for (const instance of opened.splice(0)) await instance.close();
      await store.destroy();
    });

    it('fires a job once, not before its time, with its data', async () => {
      const { scheduler } = await open();
      const runs: { at: number; data: Record<string, unknown> }[] = [];
      scheduler.define(job, async (data) => { runs.push({ at: Date.now(), data }); });
      await scheduler.start();

      const runAt = inMs(300);
      await scheduler.schedule(job, runAt, { appointmentId: 'a-1', nested: { n: 1 } });
      await waitFor(() => runs.length > 0);
      expect(runs[0].at).toBeGreaterThanOrEqual(runAt.getTime() - 5);
      expect(runs[0].data).toEqual({ appointmentId: 'a-1', nested: { n: 1 } });
      await sleep(400);
      expect(runs).toHaveLength(1);
    });

    it('a job re-scheduled with its key while it runs keeps the new schedule after that run completes', async () => {
      const { scheduler } = await open();
      const runs: unknown[] = [];
      let finishFirst = () => {};
      const firstMayFinish = new Promise<void>((resolve) => { finishFirst = resolve; });
      scheduler.define(job, async (data) => {
        runs.push(data.n);
        if (data.n === 1) await firstMayFinish;
      });
      await scheduler.start();

      await scheduler.schedule(job, inMs(0), { n: 1 }, 'key');
      await waitFor(() => runs.length === 1);
      await scheduler.schedule(job, inMs(300), { n: 2 }, 'key');
      finishFirst();
      await waitFor(() => runs.length === 2, 5000);
      expect(runs).toEqual([1, 2]);
      // Re-scheduling a pending job with its key still replaces it.
      await scheduler.schedule(job, inMs(300), { n: 3 }, 'key');
      await scheduler.schedule(job, inMs(300), { n: 4 }, 'key');
      await waitFor(() => runs.length === 3, 5000);
      await sleep(400);
      expect(runs).toEqual([1, 2, 4]);
    });

    it('two instances scheduling one key at the same moment leave one job', async () => {
      const [a, b] = [await open(), await open()];
      const runs: unknown[] = [];
      for (const { scheduler } of [a, b]) scheduler.define(job, async (data) => { runs.push(data.n); });
      await Promise.all(Array.from({ length: 6 }, (_, n) => (n % 2 ? a : b).scheduler.schedule(job, inMs(200), { n }, 'same-key')));
      await a.scheduler.start();
      await b.scheduler.start();
      await waitFor(() => runs.length > 0);
      await sleep(500);
      expect(runs).toHaveLength(1);
    });

    it('fires a job whose time has already passed promptly', async () => {
      const { scheduler } = await open();
      const runs: number[] = [];
      scheduler.define(job, async () => { runs.push(Date.now()); });
      await scheduler.start();

      const scheduledAt = Date.now();
      await scheduler.schedule(job, new Date(scheduledAt - 3_600_000), {});
      await waitFor(() => runs.length > 0, 3000);
      expect(runs[0] - scheduledAt).toBeLessThan(1500);
    });

    it('replaces a job scheduled again with the same unique key, and keeps keys apart', async () => {
      const { scheduler } = await open();
      const runs: Record<string, unknown>[] = [];
      scheduler.define(job, async (data) => { runs.push(data); });
      await scheduler.start();

      await scheduler.schedule(job, inMs(3_600_000), { v: 1 }, 'hold-1');
      await scheduler.schedule(job, inMs(200), { v: 2 }, 'hold-1');
      // A replayed event schedules the same job again: still one run.
      await scheduler.schedule(job, inMs(200), { v: 3 }, 'hold-2');
      await scheduler.schedule(job, inMs(200), { v: 3 }, 'hold-2');
      await waitFor(() => runs.length >= 2);
      await sleep(400);
      expect(runs.map((d) => d.v).sort()).toEqual([2, 3]);
      expect(runs.every((d) => Object.keys(d).join() === 'v')).toBe(true);
    });

    it('schedules several jobs at once, each as schedule would (a unique key still replaces)', async () => {
      const { scheduler } = await open();
      const runs: Record<string, unknown>[] = [];
      scheduler.define(job, async (data) => { runs.push(data); });
      await scheduler.start();

      await scheduler.schedule(job, inMs(3_600_000), { v: 0 }, 'hold-a');
      await scheduler.scheduleAll([
        { name: job, runAt: inMs(200), data: { v: 1 }, uniqueKey: 'hold-a' },
        { name: job, runAt: inMs(250), data: { v: 2 }, uniqueKey: 'hold-b' },
        { name: job, runAt: inMs(300), data: { v: 3 } },
      ]);
      await waitFor(() => runs.length >= 3);
      await sleep(400);
      expect(runs.map((d) => d.v).sort()).toEqual([1, 2, 3]);
    });

    it('cancels pending jobs whose data matches, and only those', async () => {
      const { scheduler } = await open();
      const runs: Record<string, unknown>[] = [];
      scheduler.define(job, async (data) => { runs.push(data); });
      await scheduler.start();

      await scheduler.schedule(job, inMs(300), { appointmentId: 'a', kind: 'reminder' });
      await scheduler.schedule(job, inMs(300), { appointmentId: 'b', kind: 'reminder' });
      expect(await scheduler.cancel(job, { appointmentId: 'a' })).toBe(1);
      expect(await scheduler.cancel(job, { appointmentId: 'zzz' })).toBe(0);
      expect(await scheduler.cancel(`${job}-other`, { appointmentId: 'b' })).toBe(0);
      await waitFor(() => runs.length > 0);
      await sleep(400);
      expect(runs).toEqual([{ appointmentId: 'b', kind: 'reminder' }]);
    });

    it('keeps a job across a restart and fires it once afterwards', async () => {
      const first = await open();
      const firstRuns: number[] = [];
      first.scheduler.define(job, async () => { firstRuns.push(Date.now()); });
      await first.scheduler.start();
      await first.scheduler.schedule(job, inMs(500), { n: 7 });
      await close(first);

      const second = await open();
      const secondRuns: Record<string, unknown>[] = [];
      second.scheduler.define(job, async (data) => { secondRuns.push(data); });
      await second.scheduler.start();
      await waitFor(() => secondRuns.length > 0);
      await sleep(400);
      expect(secondRuns).toEqual([{ n: 7 }]);
      expect(firstRuns).toEqual([]);
    });

    it('never runs one job twice when two instances share the store', async () => {
      const a = await open();
      const b = await open();
      const runs: string[] = [];
      for (const { scheduler } of [a, b]) {
        scheduler.define(job, async (data) => {
          runs.push(String(data.i));
          await sleep(10);
        }, { concurrency: 5 });
        await scheduler.start();
      }
      const count = 30;
      await Promise.all(Array.from({ length: count }, (_, i) =>
        (i % 2 ? a : b).scheduler.schedule(job, i % 3 ? inMs(100 + i * 5) : new Date(Date.now() - 1000), { i })));
      await waitFor(() => runs.length >= count, 15_000);
      await sleep(400);
      expect(runs.slice().sort()).toEqual(Array.from({ length: count }, (_, i) => String(i)).sort());
    });

    it('retries a failing job with exponential backoff and gives up after the last attempt', async () => {
      const { scheduler } = await open();
      const calls: { attempt: number; lastAttempt: boolean; at: number }[] = [];
      scheduler.define(job, async (_data, info) => {
        calls.push({ ...info, at: Date.now() });
        throw new Error('gateway down');
      }, { attempts: 3, backoffMs: 150 });
      await scheduler.start();

      await scheduler.schedule(job, new Date(), {});
      await waitFor(() => calls.length >= 3);
      await sleep(800);
      expect(calls.map(({ attempt, lastAttempt }) => ({ attempt, lastAttempt }))).toEqual([
        { attempt: 1, lastAttempt: false },
        { attempt: 2, lastAttempt: false },
        { attempt: 3, lastAttempt: true },
      ]);
      expect(calls[1].at - calls[0].at).toBeGreaterThanOrEqual(150 - 5);
      expect(calls[2].at - calls[1].at).toBeGreaterThanOrEqual(300 - 5);
    });

    it('stops retrying once an attempt succeeds', async () => {
      const { scheduler } = await open();
      const attempts: number[] = [];
      scheduler.define(job, async (_data, { attempt }) => {
        attempts.push(attempt);
        if (attempt === 1) throw new Error('transient');
      }, { attempts: 5, backoffMs: 50 });
      await scheduler.start();

      await scheduler.schedule(job, new Date(), {});
      await waitFor(() => attempts.length >= 2);
      await sleep(500);
      expect(attempts).toEqual([1, 2]);
    });

    it('retries a job that never gives up past any count, each wait capped', async () => {
      const { scheduler } = await open();
      const calls: { attempt: number; lastAttempt: boolean; at: number }[] = [];
      scheduler.define(job, async (_data, info) => {
        calls.push({ ...info, at: Date.now() });
        if (calls.length < 9) throw new Error('store down');
      }, { attempts: Number.POSITIVE_INFINITY, backoffMs: 20, maxBackoffMs: 60 });
      await scheduler.start();

      await scheduler.schedule(job, new Date(), {});
      // Uncapped, the eighth wait alone would be 20 ms × 2^7 ≈ 2.6 s.
      await waitFor(() => calls.length >= 9, 6000);
      await sleep(300);
      expect(calls.map((c) => c.attempt)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(calls.every((c) => !c.lastAttempt)).toBe(true);
      expect(calls[8].at - calls[7].at).toBeLessThan(1500);
    });

    it('runs a recurring job again and again, as one job however many instances ask for it', async () => {
      const first = await open();
      const second = await open();
      const runs: string[] = [];
      first.scheduler.define(job, async () => { runs.push('first'); });
      second.scheduler.define(job, async () => { runs.push('second'); });
      await first.scheduler.start();
      await second.scheduler.start();
      await first.scheduler.every(job, 150);
      await second.scheduler.every(job, 150);
      await first.scheduler.every(job, 150);
      await waitFor(() => runs.length >= 3, 6000);
      const seen = runs.length;
      await sleep(600);
      // One job every 150 ms: three asks and two workers must not make it run several times per interval.
      expect(runs.length - seen).toBeLessThanOrEqual(6);
      expect(runs.length - seen).toBeGreaterThanOrEqual(1);
    });

    it("runs a crashed worker's job again once its lock expires", async () => {
      const lockLifetime = 600;
      const crashed = await open({ lockLifetime, stopTimeout: 10 });
      let crashedStartedAt = 0;
      // The worker dies mid-job: the handler never finishes and its connection goes away.
      crashed.scheduler.define(job, () => {
        crashedStartedAt = Date.now();
        return new Promise<void>(() => {});
      });
      await crashed.scheduler.start();
      await crashed.scheduler.schedule(job, new Date(), { n: 1 });
      await waitFor(() => crashedStartedAt > 0);
      await close(crashed);

      const survivor = await open({ lockLifetime });
      const runs: number[] = [];
      survivor.scheduler.define(job, async () => { runs.push(Date.now()); });
      await survivor.scheduler.start();
      await waitFor(() => runs.length > 0);
      await sleep(400);
      expect(runs).toHaveLength(1);
      // Not taken over while the lock was fresh (the lock predates the handler's start slightly).
      expect(runs[0] - crashedStartedAt).toBeGreaterThanOrEqual(lockLifetime - 100);
    });

    it('lets a running job finish on stop, so a restarted instance does not run it again', async () => {
      const first = await open();
      let started = false;
      let finished = false;
      first.scheduler.define(job, async () => {
        started = true;
        await sleep(300);
        finished = true;
      });
      await first.scheduler.start();
      await first.scheduler.schedule(job, new Date(), {});
      await waitFor(() => started);
      await close(first);
      expect(finished).toBe(true);

      const second = await open();
      const runs: number[] = [];
      second.scheduler.define(job, async () => { runs.push(Date.now()); });
      await second.scheduler.start();
      await sleep(500);
      expect(runs).toEqual([]);
    });

    it('keeps a job that runs longer than its lock lifetime from starting again elsewhere', async () => {
      const lockLifetime = 400;
      const a = await open({ lockLifetime });
      const b = await open({ lockLifetime });
      const runs: string[] = [];
      for (const [label, { scheduler }] of [['a', a], ['b', b]] as const) {
        scheduler.define(job, async () => {
          runs.push(label);
          await sleep(3 * lockLifetime);
        });
        await scheduler.start();
      }
      await a.scheduler.schedule(job, new Date(), {});
      await waitFor(() => runs.length > 0);
      await sleep(4 * lockLifetime);
      expect(runs).toHaveLength(1);
    });

    it('rejects an invalid run time', async () => {
      const { scheduler } = await open();
      await expect(scheduler.schedule(job, new Date('nope'), {})).rejects.toThrow(TypeError);
      // In a batch, one bad time refuses the whole batch before anything is saved.
      const runs: unknown[] = [];
      scheduler.define(job, async (data) => { runs.push(data); });
      await scheduler.start();
      await expect(scheduler.scheduleAll([{ name: job, runAt: inMs(100), data: {} }, { name: job, runAt: new Date('nope'), data: {} }]))
        .rejects.toThrow(TypeError);
      await sleep(400);
      expect(runs).toEqual([]);
    });
  });
}
