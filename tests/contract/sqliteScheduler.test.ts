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

schedulerContract('Agenda on SQLite', onTmpFile);

describe('SQLite scheduler specifics', () => {
  let store: SchedulerStore;
  let opened: OpenedScheduler | undefined;
  beforeEach(async () => { store = await onTmpFile(); });
  afterEach(async () => {
    await opened?.close();
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
});
