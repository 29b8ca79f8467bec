import Database from 'better-sqlite3';
import type { JobDefinition } from '../../src/application/module.js';
import type { Services } from '../../src/infrastructure/compositionRoot.js';
import { contextModules } from './serviceModules.js';

/** Immediate attempts per call of `runDue`; a job with attempts left after them is tried again next time. */
const ATTEMPTS_PER_CALL = 5;

export interface JobRun {
  name: string;
  attempts: number;
  /** The last attempt's error when every attempt failed. */
  error?: string;
  /** Every attempt the job had failed: it will not run again. */
  gaveUp: boolean;
}

/**
 * The real Agenda scheduler compares job times with the wall clock, so jobs scheduled by a service
 * on a FakeClock (holds expiring in 2030) never come due by themselves. This stands in for the timer:
 * it reads the jobs the service scheduled (the embedded profile's `agenda_jobs` table) and runs the
 * ones whose time the fake clock has reached with the service's own job handlers and attempt budget.
 * A job that was not scheduled cannot fire, so lost timers still show.
 */
export class FakeTimeJobs {
  private readonly finished = new Set<string>();
  private readonly failures = new Map<string, number>();

  async runDue(services: Services): Promise<JobRun[]> {
    const definitions = new Map<string, JobDefinition>(contextModules(services).flatMap((m) => m.jobs ?? []).map((j) => [j.name, j]));
    const nowMs = services.clock.now().getTime();
    const db = new Database(services.config.sqliteFile);
    let due: Array<{ id: string; name: string; nextRunAt: number; data: string }>;
    try {
      db.pragma('busy_timeout = 5000');
      due = db.prepare('SELECT id, name, next_run_at AS nextRunAt, data FROM agenda_jobs WHERE next_run_at IS NOT NULL AND next_run_at <= ? AND disabled = 0 ORDER BY next_run_at, id')
        .all(nowMs) as typeof due;
    } finally {
      db.close();
    }
    const runs: JobRun[] = [];
    for (const row of due) {
      const key = `${row.id}@${row.nextRunAt}`;
      const definition = definitions.get(row.name);
      if (this.finished.has(key) || !definition) continue;
      const data = Object.fromEntries(Object.entries((JSON.parse(row.data) ?? {}) as Record<string, unknown>).filter(([k]) => !k.startsWith('__')));
      const budget = definition.options?.attempts ?? 1;
      let attempt = this.failures.get(key) ?? 0;
      let error: string | undefined;
      for (let i = 0; i < ATTEMPTS_PER_CALL && attempt < budget; i += 1) {
        attempt += 1;
        try {
          await definition.handler(data, { attempt, lastAttempt: attempt >= budget });
          error = undefined;
          break;
        } catch (e) {
          error = e instanceof Error ? e.message : String(e);
        }
      }
      const gaveUp = error !== undefined && attempt >= budget;
      if (error === undefined || gaveUp) this.finished.add(key);
      else this.failures.set(key, attempt);
      runs.push({ name: row.name, attempts: attempt, gaveUp, ...(error === undefined ? {} : { error }) });
    }
    return runs;
  }
}
