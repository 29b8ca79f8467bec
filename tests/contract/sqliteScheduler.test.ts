import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteScheduler } from '../../src/infrastructure/scheduling/agendaScheduler.js';
import { openDatabase } from '../../src/infrastructure/sqlite/openDatabase.js';
import { schedulerContract, type SchedulerStore } from './scheduler.contract.js';

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
