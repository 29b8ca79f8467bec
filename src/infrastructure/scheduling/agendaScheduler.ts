/**
 * The `Scheduler` port on Agenda 6, for both profiles. Factories (synchronous; awaiting them is harmless):
 *
 *   createSqliteScheduler(db: Database.Database, options?: SchedulerOptions): AgendaScheduler
 *     Embedded profile: jobs live in table `agenda_jobs` of the already-open SQLite handle, which the
 *     caller keeps owning (close it after `stop()`).
 *
 *   createMongoScheduler(mongo: string | Db, options?: MongoSchedulerOptions): AgendaScheduler
 *     Production profile: `@agendajs/mongo-backend`, collection `agendaJobs`. Given a connection
 *     string the scheduler owns (and on `stop()` closes) its client; given a `Db`, the caller does.
 *
 * Connection failures surface from the first `schedule`/`cancel`/`start` call rather than as an
 * unhandled rejection. Agenda reads the wall clock itself, so job times are real time.
 */
import type Database from 'better-sqlite3';
import { MongoBackend, MongoJobRepository, type Db } from '@agendajs/mongo-backend';
import {
  Agenda,
  exponential,
  InMemoryNotificationChannel,
  type AgendaBackend,
  type Job,
  type JobParameters,
  type JobRepository,
  type JobRepositoryOptions,
  type NotificationChannel,
} from 'agenda';
import type { JobHandler, JobOptions, JobToSchedule, Scheduler } from '../../application/ports/scheduler.js';
import { SqliteAgendaBackend } from './sqliteAgendaBackend.js';

/** The subset of pino the scheduler logs through. */
export interface SchedulerLogger {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

export interface SchedulerOptions {
  /** How often Agenda looks for due jobs, in ms. Default 5000. Jobs due sooner than this are timed exactly. */
  processEvery?: number;
  /**
   * A lock not refreshed for this long (ms) counts as left by a crashed worker, and the job runs
   * again elsewhere. Running jobs refresh their lock every third of it. Default 30 s.
   */
  lockLifetime?: number;
  /** How long `stop()` waits for running jobs to finish, in ms. Default 10 s. */
  stopTimeout?: number;
  /** Recorded as `lastModifiedBy` on jobs this instance touches. */
  name?: string;
  logger?: SchedulerLogger;
}

export interface MongoSchedulerOptions extends SchedulerOptions {
  /** Default `agendaJobs`. */
  collection?: string;
}

/**
 * The unique key travels inside the job data so that both backends can match on it (`data.<field>`)
 * and index it; handlers never see it.
 */
const UNIQUE_KEY_FIELD = '__uniqueKey';
const DEFAULT_BACKOFF_MS = 1000;
const DEFAULT_STOP_TIMEOUT_MS = 10_000;
const DEFAULT_LOCK_LIFETIME_MS = 30_000;
const DEFAULT_PROCESS_EVERY_MS = 5000;

const silentLogger: SchedulerLogger = { info: () => {}, warn: () => {}, error: () => {} };

type JobData = Record<string, unknown>;

/**
 * Agenda connects its backend in its constructor and ignores a rejection (an unhandled rejection,
 * and `ready` never settles). Agenda gets a connection promise that merely stays pending on failure;
 * the scheduler awaits the real one and reports the error to its caller.
 */
function connectOnce(backend: AgendaBackend, afterConnect?: () => Promise<void>): { backend: AgendaBackend; connected: Promise<void> } {
  const connected = backend.connect().then(afterConnect);
  connected.catch(() => {});
  return {
    connected,
    backend: {
      name: backend.name,
      repository: backend.repository,
      notificationChannel: backend.notificationChannel,
      logger: backend.logger,
      ownsConnection: backend.ownsConnection,
      connect: () => connected.catch(() => new Promise<void>(() => {})),
      disconnect: () => backend.disconnect(),
    },
  };
}

/**
 * Agenda locks a job due before its next poll ahead of time and runs it from one setTimeout. Node
 * runs timers on libuv's millisecond monotonic clock while Agenda compares `nextRunAt` with
 * `Date.now()`, so that timer can fire while the wall clock is still a millisecond short (or more,
 * after the clock is stepped back); Agenda then queues the job again without a new timer, and it
 * waits for the next poll — up to `processEvery` late. So every job handed out ahead of time gets a
 * timer of its own here, re-armed until `Date.now()` has reached the due time, that notifies Agenda,
 * which then runs its local queue again (a no-op when the job has already run).
 */
class DueTimeWakeups {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly channel: NotificationChannel,
    private readonly processEvery: number,
  ) {}

  /** The repository, with every job `getNextJobToRun` locks ahead of time armed. */
  watch(repository: JobRepository): JobRepository {
    const arm = (job: JobParameters) => this.arm(job);
    return new Proxy(repository, {
      get(target, property) {
        if (property === 'getNextJobToRun') {
          return async (...args: Parameters<JobRepository['getNextJobToRun']>) => {
            const job = await target.getNextJobToRun(...args);
            if (job) arm(job);
            return job;
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private arm(job: JobParameters): void {
    const { _id: jobId, nextRunAt } = job;
    if (this.stopped || !jobId || !nextRunAt) return;
    const due = nextRunAt.getTime();
    const runIn = due - Date.now();
    // Agenda runs a job already due at once and releases one due after its next poll.
    if (runIn <= 0 || runIn > this.processEvery) return;
    const key = String(jobId);
    const wake = () => {
      const remaining = due - Date.now();
      if (remaining > 0) {
        this.timers.set(key, setTimeout(wake, remaining));
        return;
      }
      this.timers.delete(key);
      const notification = { jobId, jobName: job.name, nextRunAt, priority: job.priority ?? 0, timestamp: new Date() };
      // Rejects only once Agenda has stopped and disconnected the channel: nothing is left to wake.
      this.channel.publish(notification).catch(() => {});
    };
    clearTimeout(this.timers.get(key));
    this.timers.set(key, setTimeout(wake, runIn));
  }
}

/** A repository's way to save several jobs in one go (SQLite: one transaction), when it has one. */
export type SaveJobs = (jobs: JobParameters[], options: JobRepositoryOptions) => JobParameters[];

/**
 * Where keys are unique in the store (MongoDB's unique index), a job locked by a worker would collide
 * with its re-scheduled successor: this takes the key off the locked job first (SQLite keeps no such
 * index, so the successor is simply a second row).
 */
export type DetachLocked = (name: string, uniqueKey: string) => Promise<void>;

const DUPLICATE_KEY = 11000;
const UNIQUE_SAVE_ATTEMPTS = 3;

export class AgendaScheduler implements Scheduler {
  private readonly agenda: Agenda;
  private readonly logger: SchedulerLogger;
  private readonly stopTimeout: number;
  private readonly lockLifetime: number;
  private readonly running = new Set<Job>();
  private readonly heartbeats = new Set<NodeJS.Timeout>();
  private readonly attempts = new Map<string, number>();
  private readonly idle = new Set<() => void>();
  private readonly wakeups: DueTimeWakeups;
  private readonly processEvery: number;

  constructor(
    private readonly backend: AgendaBackend,
    private readonly connected: Promise<void>,
    options: SchedulerOptions = {},
    private readonly saveJobs?: SaveJobs,
    private readonly detachLocked?: DetachLocked,
  ) {
    this.logger = options.logger ?? silentLogger;
    this.stopTimeout = options.stopTimeout ?? DEFAULT_STOP_TIMEOUT_MS;
    this.lockLifetime = options.lockLifetime ?? DEFAULT_LOCK_LIFETIME_MS;
    const processEvery = options.processEvery ?? DEFAULT_PROCESS_EVERY_MS;
    this.processEvery = processEvery;
    // The Mongo backend brings no channel; an in-process one is all the wake-ups need.
    const channel = backend.notificationChannel ?? new InMemoryNotificationChannel();
    this.wakeups = new DueTimeWakeups(channel, processEvery);
    this.agenda = new Agenda({
      // `backend` is connectOnce's plain object, so a spread keeps its methods.
      backend: { ...backend, repository: this.wakeups.watch(backend.repository) },
      notificationChannel: channel,
      name: options.name,
      processEvery,
      defaultLockLifetime: this.lockLifetime,
      // A finished one-time job has nothing left to do; failed ones stay for inspection.
      removeOnComplete: true,
    });
    this.agenda.on('start', (job: Job) => this.running.add(job));
    this.agenda.on('complete', (job: Job) => {
      this.running.delete(job);
      if (this.running.size === 0) for (const wake of this.idle) wake();
    });
    this.agenda.on('fail', (error: Error, job: Job) => {
      const attempt = job.attrs.failCount ?? 1;
      const fields = { job: job.attrs.name, jobId: String(job.attrs._id), attempt, err: error.message };
      if (attempt >= (this.attempts.get(job.attrs.name) ?? 1)) this.logger.error(fields, 'job failed on its last attempt');
      else this.logger.warn(fields, 'job attempt failed; will retry');
    });
    this.agenda.on('error', (error: Error) => this.logger.error({ err: error.message }, 'scheduler error'));
  }

  define(name: string, handler: JobHandler, options: JobOptions = {}): void {
    const attempts = Math.max(1, Math.floor(options.attempts ?? 1));
    this.attempts.set(name, attempts);
    this.agenda.define(
      name,
      async (job: Job<JobData>) => {
        // Agenda counts failures, reset on success; a crash mid-run is not a counted attempt.
        const attempt = (job.attrs.failCount ?? 0) + 1;
        const { [UNIQUE_KEY_FIELD]: _key, ...data } = job.attrs.data ?? {};
        const heartbeat = this.keepLocked(job);
        try {
          await handler(data, { attempt, lastAttempt: attempt >= attempts });
        } finally {
          clearInterval(heartbeat);
          this.heartbeats.delete(heartbeat);
        }
      },
      {
        concurrency: options.concurrency,
        // Failure k waits backoffMs * 2^(k-1), at most maxBackoffMs; after `attempts` failures the job stays failed.
        backoff: attempts > 1
          ? exponential({ delay: options.backoffMs ?? DEFAULT_BACKOFF_MS, factor: 2, maxRetries: attempts - 1, maxDelay: options.maxBackoffMs })
          : undefined,
      },
    );
  }

  async schedule(name: string, runAt: Date, data: JobData, uniqueKey?: string): Promise<void> {
    const job = this.create({ name, runAt, data, uniqueKey });
    await this.connected;
    await this.save(job, uniqueKey);
  }

  /**
   * A job with a key replaces the pending job with that key, never a running one: the run's
   * completion would otherwise remove (or clear) the new schedule with the job it finished.
   */
  private async save(job: Job<JobData>, uniqueKey: string | undefined): Promise<void> {
    if (uniqueKey === undefined || !this.detachLocked) {
      await job.save();
      return;
    }
    for (let attempt = 1; ; attempt += 1) {
      await this.detachLocked(job.attrs.name, uniqueKey);
      try {
        await job.save();
        return;
      } catch (error) {
        // Locked by a worker between the detach and the save: detach it too, then save again.
        if ((error as { code?: number }).code !== DUPLICATE_KEY || attempt >= UNIQUE_SAVE_ATTEMPTS) throw error;
      }
    }
  }

  /**
   * Agenda saves one job per call; the SQLite repository can save many in one transaction, which
   * is what a run of holds needs. Saved that way, a job gets the notification `Job.save` would have
   * sent when it may be due before Agenda's next look (later ones Agenda would ignore anyway).
   */
  async scheduleAll(jobs: readonly JobToSchedule[]): Promise<void> {
    const created = jobs.map((job) => this.create(job));
    await this.connected;
    if (!this.saveJobs) {
      for (const [index, job] of created.entries()) await this.save(job, jobs[index].uniqueKey);
      return;
    }
    const saved = this.saveJobs(created.map((job) => job.toJson(true)), { lastModifiedBy: this.agenda.attrs.name || undefined });
    const soon = Date.now() + this.processEvery;
    await Promise.all(created.map(async (job, index) => {
      job.attrs._id = saved[index]._id;
      job.attrs.nextRunAt = saved[index].nextRunAt;
      if (job.attrs.nextRunAt && job.attrs.nextRunAt.getTime() <= soon) await this.agenda.publishJobNotification(job);
    }));
  }

  private create({ name, runAt, data, uniqueKey }: JobToSchedule): Job<JobData> {
    if (!(runAt instanceof Date) || Number.isNaN(runAt.getTime())) throw new TypeError(`Invalid run time for job ${name}`);
    const job = this.agenda.create<JobData>(name, uniqueKey === undefined ? { ...data } : { ...data, [UNIQUE_KEY_FIELD]: uniqueKey });
    job.schedule(runAt);
    if (uniqueKey !== undefined) job.unique({ [`data.${UNIQUE_KEY_FIELD}`]: uniqueKey, lockedAt: null });
    return job;
  }

  async every(name: string, intervalMs: number): Promise<void> {
    if (!Number.isFinite(intervalMs) || intervalMs <= 0) throw new TypeError(`Invalid interval for job ${name}`);
    await this.connected;
    // Agenda keeps one job of type 'single' per name, so every instance's start saves the same one.
    await this.agenda.every(intervalMs, name);
  }

  /** An empty `dataMatch` matches every job of `name`. */
  async cancel(name: string, dataMatch: JobData): Promise<number> {
    await this.connected;
    return this.agenda.cancel({ name, data: dataMatch });
  }

  async start(): Promise<void> {
    await this.connected;
    await this.agenda.start();
  }

  /**
   * Stops taking jobs and releases those locked but not started, then lets running jobs finish (up
   * to `stopTimeout`) so their completion is recorded. A job cut off here keeps its lock and runs
   * again elsewhere once the lock expires.
   */
  async stop(): Promise<void> {
    await this.agenda.stop(false);
    this.wakeups.stop();
    await this.whenIdle();
    // Jobs still running now are abandoned: their locks lapse and another worker takes them.
    for (const heartbeat of this.heartbeats) clearInterval(heartbeat);
    this.heartbeats.clear();
    if (this.backend.ownsConnection) await this.backend.disconnect();
  }

  /**
   * A short lock lifetime gives quick recovery from a crash; refreshing the lock while the handler
   * runs keeps a long job from being cancelled by Agenda and started again by another worker.
   */
  private keepLocked(job: Job): NodeJS.Timeout {
    const heartbeat = setInterval(() => {
      job.touch().catch((error: unknown) => {
        this.logger.warn({ job: job.attrs.name, jobId: String(job.attrs._id), err: String(error) }, 'could not refresh job lock');
      });
    }, this.lockLifetime / 3);
    this.heartbeats.add(heartbeat);
    return heartbeat;
  }

  private whenIdle(): Promise<void> {
    if (this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.idle.delete(done);
        resolve();
      };
      const timer = setTimeout(() => {
        this.logger.warn({ running: this.running.size }, 'scheduler stopped with jobs still running');
        done();
      }, this.stopTimeout);
      this.idle.add(done);
    });
  }
}

export function createSqliteScheduler(db: Database.Database, options: SchedulerOptions = {}): AgendaScheduler {
  const sqlite = new SqliteAgendaBackend(db, { indexedDataFields: [UNIQUE_KEY_FIELD] });
  const { backend, connected } = connectOnce(sqlite);
  return new AgendaScheduler(backend, connected, options, (jobs, saveOptions) => sqlite.repository.saveJobs(jobs, saveOptions));
}

export function createMongoScheduler(mongo: string | Db, options: MongoSchedulerOptions = {}): AgendaScheduler {
  const collection = options.collection ?? 'agendaJobs';
  const mongoBackend = new MongoBackend(
    typeof mongo === 'string' ? { address: mongo, collection } : { mongo, collection },
  );
  const jobs = () => (mongoBackend.repository as MongoJobRepository).getDb().collection(collection);
  const keyPath = `data.${UNIQUE_KEY_FIELD}`;
  // One job per name and key, even when instances schedule it at once (an upsert without a unique
  // index can insert twice); the index also serves cancel-by-data. It replaces the earlier non-unique one.
  const { backend, connected } = connectOnce(mongoBackend, async () => {
    const existing = await jobs().indexes().catch(() => []);
    if (existing.some((index) => index.name === 'uniqueKeyIndex')) await jobs().dropIndex('uniqueKeyIndex');
    await jobs().createIndex({ name: 1, [keyPath]: 1 }, {
      name: 'uniqueKey_unique', unique: true, partialFilterExpression: { [keyPath]: { $exists: true } },
    });
  });
  const detachLocked: DetachLocked = async (name, uniqueKey) => {
    await jobs().updateMany({ name, [keyPath]: uniqueKey, lockedAt: { $ne: null } }, { $unset: { [keyPath]: '' } });
  };
  return new AgendaScheduler(backend, connected, options, undefined, detachLocked);
}
