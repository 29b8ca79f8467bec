import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobParameters } from 'agenda';
import { SqliteJobRepository } from '../../src/infrastructure/scheduling/sqliteAgendaBackend.js';
import { openDatabase } from '../../src/infrastructure/sqlite/openDatabase.js';

const NOW = Date.now();
const at = (offsetMs: number) => new Date(NOW + offsetMs);
const MINUTE = 60_000;
const NO_EXPIRY = new Date(0);

function job(overrides: Partial<JobParameters> = {}): JobParameters {
  return { name: 'release-hold', type: 'normal', priority: 0, nextRunAt: at(-1000), data: {}, ...overrides };
}

describe('SqliteJobRepository (the Agenda backend of the embedded profile)', () => {
  let dir: string;
  let file: string;
  let connections: Database.Database[];
  let repo: SqliteJobRepository;

  const connect = async () => {
    const db = openDatabase(file, 'normal');
    connections.push(db);
    const repository = new SqliteJobRepository(db, { indexedDataFields: ['appointmentId'] });
    await repository.connect();
    return repository;
  };
  const save = (params: JobParameters, repository = repo) => repository.saveJob(params, undefined);
  const next = (name = 'release-hold', repository = repo, options: { scanUntil?: Date; lockDeadline?: Date } = {}) =>
    repository.getNextJobToRun(name, options.scanUntil ?? at(0), options.lockDeadline ?? NO_EXPIRY, at(0), undefined);

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hv-agenda-backend-'));
    file = join(dir, 'jobs.sqlite');
    connections = [];
    repo = await connect();
  });

  afterEach(() => {
    for (const db of connections) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('finding and locking the next job', () => {
    it('takes the earliest due job first, the higher priority among equals, and nothing not yet due', async () => {
      const low = await save(job({ nextRunAt: at(-1000), priority: 0 }));
      const high = await save(job({ nextRunAt: at(-1000), priority: 10 }));
      const earliest = await save(job({ nextRunAt: at(-2000) }));
      await save(job({ nextRunAt: at(MINUTE) }));
      await save(job({ name: 'other-job', nextRunAt: at(-5000) }));

      const order = [await next(), await next(), await next(), await next()].map((j) => j?._id);
      expect(order).toEqual([earliest._id, high._id, low._id, undefined]);
    });

    it('stamps the lock time it is given', async () => {
      await save(job());
      const locked = await repo.getNextJobToRun('release-hold', at(0), NO_EXPIRY, at(5), { lastModifiedBy: 'worker-1' });
      expect(locked?.lockedAt).toEqual(at(5));
      expect(locked?.lastModifiedBy).toBe('worker-1');
    });

    it('takes a job due within the scan window ahead of its time', async () => {
      const soon = await save(job({ nextRunAt: at(1000) }));
      expect(await next()).toBeUndefined();
      expect((await next('release-hold', repo, { scanUntil: at(2000) }))?._id).toBe(soon._id);
    });

    it('does not take a locked job again until its lock is older than the deadline', async () => {
      const saved = await save(job());
      await next();
      expect(await next()).toBeUndefined();
      // A crashed worker's lock: taken again once the caller's deadline has passed it.
      const relocked = await next('release-hold', repo, { lockDeadline: at(1) });
      expect(relocked?._id).toBe(saved._id);
    });

    it('takes over an abandoned one-time job that had already started (no nextRunAt)', async () => {
      const saved = await save(job());
      const locked = (await next())!;
      await repo.saveJobState({ ...locked, nextRunAt: null, lastRunAt: at(0) }, undefined);
      expect(await next()).toBeUndefined();
      expect((await next('release-hold', repo, { lockDeadline: at(1) }))?._id).toBe(saved._id);
    });

    it('never hands one job to two connections on the same file', async () => {
      const other = await connect();
      const ids = new Set<string>();
      for (let i = 0; i < 20; i++) ids.add(String((await save(job({ nextRunAt: at(-i) })))._id));
      const taken: string[] = [];
      for (let i = 0; i < 25; i++) {
        const locked = await next('release-hold', i % 2 ? repo : other);
        if (locked) taken.push(String(locked._id));
      }
      expect(taken.sort()).toEqual([...ids].sort());
    });

    it('never locks a disabled job; enabling makes it available again', async () => {
      await save(job({ data: { appointmentId: 'a' } }));
      expect(await repo.disableJobs({ name: 'release-hold' })).toBe(1);
      expect(await repo.disableJobs({ name: 'release-hold' })).toBe(0);
      expect(await next()).toBeUndefined();
      expect(await repo.enableJobs({ data: { appointmentId: 'a' } })).toBe(1);
      expect(await next()).toBeDefined();
    });

    it('lockJob takes only an unlocked, enabled job whose run time is unchanged', async () => {
      const saved = await save(job());
      expect(await repo.lockJob({ ...saved, nextRunAt: at(5) }, undefined)).toBeUndefined();
      const locked = await repo.lockJob(saved, undefined);
      expect(locked?.lockedAt).toBeInstanceOf(Date);
      expect(await repo.lockJob(saved, undefined)).toBeUndefined();
    });
  });

  describe('unlocking', () => {
    it('unlockJob releases a pending job but not a started one-time job; unlockJobs releases both', async () => {
      const pending = await save(job());
      const lockedPending = (await next())!;
      expect(lockedPending._id).toBe(pending._id);
      await repo.unlockJob(lockedPending);
      expect((await repo.getJobById(String(pending._id)))?.lockedAt).toBeUndefined();

      const lockedAgain = (await next())!;
      await repo.saveJobState({ ...lockedAgain, nextRunAt: null }, undefined);
      await repo.unlockJob({ ...lockedAgain, nextRunAt: null });
      expect((await repo.getJobById(String(pending._id)))?.lockedAt).toBeInstanceOf(Date);

      await repo.unlockJobs([String(pending._id)]);
      expect((await repo.getJobById(String(pending._id)))?.lockedAt).toBeUndefined();
    });
  });

  describe('saving', () => {
    it('replaces the job matching a unique constraint instead of adding one', async () => {
      const first = await save(job({ nextRunAt: at(MINUTE), data: { appointmentId: 'a', v: 1 }, unique: { 'data.appointmentId': 'a' } }));
      const second = await save(job({ nextRunAt: at(2 * MINUTE), data: { appointmentId: 'a', v: 2 }, unique: { 'data.appointmentId': 'a' } }));
      const otherKey = await save(job({ data: { appointmentId: 'b' }, unique: { 'data.appointmentId': 'b' } }));
      const otherName = await save(job({ name: 'remind', data: { appointmentId: 'a' }, unique: { 'data.appointmentId': 'a' } }));

      expect(second._id).toBe(first._id);
      expect(second).toMatchObject({ nextRunAt: at(2 * MINUTE), data: { appointmentId: 'a', v: 2 } });
      expect(new Set([first._id, otherKey._id, otherName._id]).size).toBe(3);
      expect((await repo.queryJobs()).total).toBe(3);
    });

    it('keeps the existing job for an insert-only unique save', async () => {
      const first = await save(job({ data: { k: 1, v: 'first' }, unique: { 'data.k': 1 } }));
      const again = await save(job({ data: { k: 1, v: 'second' }, unique: { 'data.k': 1 }, uniqueOpts: { insertOnly: true } }));
      expect(again).toMatchObject({ _id: first._id, data: { k: 1, v: 'first' } });
    });

    it('matches unique values by type, like MongoDB', async () => {
      const numeric = await save(job({ data: { k: 1 }, unique: { 'data.k': 1 } }));
      const text = await save(job({ data: { k: '1' }, unique: { 'data.k': '1' } }));
      expect(text._id).not.toBe(numeric._id);
    });

    it('refuses query operators in a unique constraint', async () => {
      await expect(save(job({ unique: { 'data.k': { $gt: 1 } } }))).rejects.toThrow(/not supported/);
    });

    it('keeps the pending run of a recurring (single) job re-declared with a due time', async () => {
      const declared = await save(job({ type: 'single', nextRunAt: at(MINUTE) }));
      const redeclared = await save(job({ type: 'single', nextRunAt: at(-5) }));
      expect(redeclared).toMatchObject({ _id: declared._id, nextRunAt: at(MINUTE) });
      const moved = await save(job({ type: 'single', nextRunAt: at(2 * MINUTE) }));
      expect(moved).toMatchObject({ _id: declared._id, nextRunAt: at(2 * MINUTE) });
    });

    it('pushes a trailing debounced job out on every save', async () => {
      const debounce = { delay: 10 * MINUTE };
      const first = await save(job({ data: { k: 'x' }, unique: { 'data.k': 'x' }, uniqueOpts: { debounce } }));
      const second = await save(job({ data: { k: 'x', n: 2 }, unique: { 'data.k': 'x' }, uniqueOpts: { debounce } }));
      expect(second._id).toBe(first._id);
      expect(second.nextRunAt!.getTime()).toBeGreaterThanOrEqual(first.nextRunAt!.getTime());
      expect(second.nextRunAt!.getTime()).toBeGreaterThan(Date.now() + 9 * MINUTE);
      expect(second.debounceStartedAt).toEqual(first.debounceStartedAt);
    });

    it('does not resurrect a removed job saved by id, and refuses to save state for it', async () => {
      const saved = await save(job());
      await repo.removeJobs({ id: saved._id });
      expect(await save({ ...saved, data: { late: true } })).toMatchObject({ data: { late: true } });
      expect(await repo.getJobById(String(saved._id))).toBeNull();
      await expect(repo.saveJobState(saved, undefined)).rejects.toThrow(/cannot be updated/);
    });

    it('keeps jobs and their state across closing and reopening the file', async () => {
      const saved = await save(job({ data: { appointmentId: 'a', at: '2026-01-01T00:00:00.000Z' }, priority: 5 }));
      const locked = (await next())!;
      await repo.saveJobState({ ...locked, failCount: 2, failReason: 'gateway down', failedAt: at(0) }, undefined);
      for (const db of connections.splice(0)) db.close();

      const reopened = await connect();
      expect(await reopened.getJobById(String(saved._id))).toMatchObject({
        name: 'release-hold', priority: 5, nextRunAt: at(-1000), lockedAt: at(0),
        data: { appointmentId: 'a', at: '2026-01-01T00:00:00.000Z' }, failCount: 2, failReason: 'gateway down', failedAt: at(0),
      });
    });
  });

  describe('removing and querying', () => {
    beforeEach(async () => {
      await save(job({ data: { appointmentId: 'a', slot: { doctorId: 'd1' } } }));
      await save(job({ data: { appointmentId: 'b', slot: { doctorId: 'd2' } }, nextRunAt: at(MINUTE) }));
      await save(job({ data: { appointmentId: 1 } }));
      await save(job({ name: 'send-reminder', data: { appointmentId: 'a' } }));
    });

    it('removes by name and partial (nested) data, with typed equality', async () => {
      expect(await repo.removeJobs({ name: 'release-hold', data: { slot: { doctorId: 'd2' } } })).toBe(1);
      expect(await repo.removeJobs({ name: 'release-hold', data: { appointmentId: '1' } })).toBe(0);
      expect(await repo.removeJobs({ data: { appointmentId: 'a' } })).toBe(2);
      expect((await repo.queryJobs()).jobs.map((j) => j.data)).toEqual([{ appointmentId: 1 }]);
    });

    it('removes nothing for an empty query, and everything when purged', async () => {
      expect(await repo.removeJobs({})).toBe(0);
      expect(await repo.removeJobs({ notNames: ['release-hold'] })).toBe(1);
      expect(await repo.purgeAllJobs()).toBe(3);
    });

    it('queries by name, data and computed state, with paging and sorting', async () => {
      const byData = await repo.queryJobs({ data: { appointmentId: 'a' } });
      expect(byData.total).toBe(2);
      const page = await repo.queryJobs({ name: 'release-hold', sort: { nextRunAt: 'asc' }, skip: 1, limit: 1 });
      expect(page.total).toBe(3);
      expect(page.jobs).toHaveLength(1);
      const scheduled = await repo.queryJobs({ state: 'scheduled' });
      expect(scheduled.jobs.map((j) => j.data)).toEqual([{ appointmentId: 'b', slot: { doctorId: 'd2' } }]);
      expect((await repo.queryJobs({ search: 'remind' })).jobs.map((j) => j.name)).toEqual(['send-reminder']);
    });

    it('reports distinct names, queue size and per-name state counts', async () => {
      expect((await repo.getDistinctJobNames()).sort()).toEqual(['release-hold', 'send-reminder']);
      expect(await repo.getQueueSize()).toBe(3);
      const overview = await repo.getJobsOverview();
      expect(overview.find((o) => o.name === 'release-hold')).toMatchObject({ total: 3, queued: 2, scheduled: 1 });
    });
  });
});

describe('SqliteJobRepository across processes', () => {
  const FIXTURE = join(process.cwd(), 'tests/contract/fixtures/agendaLockRace.ts');
  let dir = '';
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Starts a locking worker; resolves `ready` once it has opened the file. */
  function startWorker(file: string) {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, file, 'race'], {
      cwd: process.cwd(),
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    let out = '';
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { err += chunk; });
    const ready = new Promise<void>((resolve, reject) => {
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        if (out.startsWith('ready\n')) resolve();
      });
      child.on('exit', () => reject(new Error(`worker exited early: ${err}`)));
    });
    const locked = new Promise<string[]>((resolve, reject) => {
      const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error('worker timed out')); }, 30_000);
      child.on('exit', (code) => {
        clearTimeout(timer);
        if (code !== 0) reject(new Error(`worker failed (${code}): ${err}`));
        else resolve(JSON.parse(out.slice('ready\n'.length)) as string[]);
      });
    });
    ready.catch(() => {});
    return { ready, locked, go: () => child.stdin.end('go\n') };
  }

  it('never hands one job to two processes racing on the same file', async () => {
    dir = mkdtempSync(join(tmpdir(), 'hv-agenda-race-'));
    const file = join(dir, 'jobs.sqlite');
    const db = openDatabase(file, 'normal');
    const repository = new SqliteJobRepository(db);
    await repository.connect();
    const ids: string[] = [];
    for (let i = 0; i < 2000; i++) ids.push(String((await repository.saveJob(job({ name: 'race', nextRunAt: at(-i) }), undefined))._id));
    db.close();

    const workers = [startWorker(file), startWorker(file)];
    await Promise.all(workers.map((w) => w.ready));
    for (const w of workers) w.go();
    const [a, b] = await Promise.all(workers.map((w) => w.locked));

    expect([...a, ...b].sort()).toEqual(ids.sort());
    // Both really competed; otherwise the test proves nothing about concurrent locking.
    expect(Math.min(a.length, b.length)).toBeGreaterThan(0);
  }, 60_000);
});
