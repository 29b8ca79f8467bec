import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import {
  computeJobState,
  InMemoryNotificationChannel,
  toJobId,
  type AgendaBackend,
  type JobId,
  type JobParameters,
  type JobRepository,
  type JobRepositoryOptions,
  type JobsOverview,
  type JobsQueryOptions,
  type JobsResult,
  type JobsSort,
  type JobWithState,
  type NotificationChannel,
  type RemoveJobsOptions,
} from 'agenda';

/**
 * Agenda 6 storage on the embedded profile's SQLite file, with the semantics of
 * `@agendajs/mongo-backend` (the production backend) so jobs behave the same in both profiles:
 * - `getNextJobToRun` finds and locks the next due job in one UPDATE … RETURNING, so two Agenda
 *   instances (even in two processes on the same file) never lock the same job; a lock older than
 *   the lock deadline counts as abandoned by a crashed worker and may be taken again.
 * - `saveJob` upserts on `unique` (field paths such as `data.key`) and on `type: 'single'` inside an
 *   immediate transaction, so concurrent saves with one key leave one job.
 * - remove/disable/enable take a `RemoveJobsOptions` query; an empty query touches nothing.
 * Times are stored as epoch milliseconds, `data` as JSON text (so job data must be JSON: dates come
 * back as ISO strings).
 */
export interface SqliteAgendaBackendOptions {
  /** Table for the jobs; the embedded profile shares one file with the event store and read models. */
  table?: string;
  /**
   * Top-level `data` fields to index together with the job name, for unique keys and cancel-by-data
   * lookups that would otherwise scan every job of that name.
   */
  indexedDataFields?: string[];
}

interface JobRow {
  id: string;
  name: string;
  type: string;
  priority: number;
  next_run_at: number | null;
  locked_at: number | null;
  disabled: number;
  data: string;
  last_run_at: number | null;
  last_finished_at: number | null;
  failed_at: number | null;
  fail_count: number | null;
  fail_reason: string | null;
  repeat_interval: string | null;
  repeat_timezone: string | null;
  repeat_at: string | null;
  progress: number | null;
  last_modified_by: string | null;
  fork: number | null;
  debounce_started_at: number | null;
  start_date: number | null;
  end_date: number | null;
  skip_days: string | null;
}

type Params = Record<string, unknown>;
interface Where {
  sql: string;
  params: unknown[];
}

/** Columns written by `saveJob`: everything except the id. */
const SAVED_COLUMNS = [
  'name', 'type', 'priority', 'next_run_at', 'locked_at', 'disabled', 'data', 'last_run_at',
  'last_finished_at', 'failed_at', 'fail_count', 'fail_reason', 'repeat_interval', 'repeat_timezone',
  'repeat_at', 'progress', 'last_modified_by', 'fork', 'debounce_started_at', 'start_date', 'end_date',
  'skip_days',
] as const;
type SavedColumn = (typeof SAVED_COLUMNS)[number];
type SavedRow = Record<SavedColumn, unknown>;

/** Top-level job fields a `unique` query may name, mapped to their columns. */
const UNIQUE_TOP_LEVEL: Record<string, string> = {
  name: 'name', type: 'type', priority: 'priority', disabled: 'disabled',
};

const SORT_COLUMNS: Record<keyof JobsSort, string> = {
  nextRunAt: 'next_run_at', lastRunAt: 'last_run_at', lastFinishedAt: 'last_finished_at',
  priority: 'priority', name: 'name', data: 'data',
};

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function time(value: Date | string | number | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? null : ms;
}

function date(ms: number | null): Date | undefined {
  return ms === null ? undefined : new Date(ms);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** A JSON path literal (inlined, not bound, so expression indexes can match it). */
function jsonPath(keys: string[]): string {
  for (const key of keys) {
    if (key.includes('"') || key === '') throw new Error(`Unsupported job data field name: ${JSON.stringify(key)}`);
  }
  return sqlString(`$${keys.map((k) => `."${k}"`).join('')}`);
}

/** Equality on a value inside `data`, typed like MongoDB's (a string never equals a number). */
function dataFieldEquals(keys: string[], value: unknown): Where {
  const path = jsonPath(keys);
  const expr = `json_extract(data, ${path})`;
  const type = `json_type(data, ${path})`;
  if (value === null || value === undefined) return { sql: `(${type} IS NULL OR ${type} = 'null')`, params: [] };
  if (typeof value === 'boolean') return { sql: `${type} = '${value ? 'true' : 'false'}'`, params: [] };
  if (typeof value === 'number') return { sql: `(${expr} = ? AND ${type} IN ('integer', 'real'))`, params: [value] };
  if (typeof value === 'string') return { sql: `(${expr} = ? AND ${type} = 'text')`, params: [value] };
  if (value instanceof Date) return { sql: `(${expr} = ? AND ${type} = 'text')`, params: [value.toISOString()] };
  if (Array.isArray(value) || isPlainObject(value)) {
    if (isPlainObject(value) && Object.keys(value).some((k) => k.startsWith('$'))) {
      throw new Error(`Query operators are not supported in job queries: ${Object.keys(value).join(', ')}`);
    }
    return {
      sql: `(${type} = '${Array.isArray(value) ? 'array' : 'object'}' AND ${expr} = json(?))`,
      params: [JSON.stringify(value)],
    };
  }
  throw new Error(`Unsupported job data value of type ${typeof value}`);
}

/** A data filter matches partially: nested objects flatten into paths, as the Mongo backend does. */
function dataFilter(data: unknown): Where[] {
  if (isPlainObject(data)) {
    const out: Where[] = [];
    const walk = (obj: Record<string, unknown>, prefix: string[]) => {
      for (const [key, value] of Object.entries(obj)) {
        if (key.startsWith('$')) throw new Error(`Query operators are not supported in job queries: ${key}`);
        if (isPlainObject(value)) walk(value, [...prefix, key]);
        else out.push(dataFieldEquals([...prefix, key], value));
      }
    };
    walk(data, []);
    return out;
  }
  return [{ sql: 'data = ?', params: [JSON.stringify(data ?? null)] }];
}

function uniqueFilter(unique: Record<string, unknown>): Where[] {
  return Object.entries(unique).map(([field, value]) => {
    if (field.startsWith('data.')) return dataFieldEquals(field.slice(5).split('.'), value);
    if (field === 'data') return { sql: 'data = json(?)', params: [JSON.stringify(value ?? null)] };
    // Only jobs not running (nor locked to run) are replaced by a save with their key.
    if (field === 'lockedAt' && value === null) return { sql: 'locked_at IS NULL', params: [] };
    const column = UNIQUE_TOP_LEVEL[field];
    if (!column || !['string', 'number', 'boolean'].includes(typeof value)) {
      throw new Error(`Unsupported unique() constraint on ${field}`);
    }
    return { sql: `${column} = ?`, params: [typeof value === 'boolean' ? Number(value) : value] };
  });
}

function and(parts: Where[]): Where {
  if (parts.length === 0) return { sql: '1', params: [] };
  return { sql: parts.map((p) => p.sql).join(' AND '), params: parts.flatMap((p) => p.params) };
}

function idsIn(ids: (JobId | string)[]): Where {
  return { sql: 'id IN (SELECT value FROM json_each(?))', params: [JSON.stringify(ids.map(String))] };
}

/** The filter `removeJobs`, `disableJobs` and `enableJobs` share; null when the options select nothing. */
function jobsFilter(options: RemoveJobsOptions): Where | null {
  const parts: Where[] = [];
  if (options.id) parts.push({ sql: 'id = ?', params: [String(options.id)] });
  else if (options.ids && options.ids.length > 0) parts.push(idsIn(options.ids));
  if (typeof options.name === 'string' && options.name) parts.push({ sql: 'name = ?', params: [options.name] });
  else if (options.names && options.names.length > 0) {
    parts.push({ sql: 'name IN (SELECT value FROM json_each(?))', params: [JSON.stringify(options.names)] });
  } else if (options.notNames && options.notNames.length > 0) {
    parts.push({ sql: 'name NOT IN (SELECT value FROM json_each(?))', params: [JSON.stringify(options.notNames)] });
  }
  if (options.data !== undefined) parts.push(...dataFilter(options.data));
  return parts.length === 0 ? null : and(parts);
}

function fromRow(row: JobRow): JobParameters & { _id: JobId } {
  return {
    _id: toJobId(row.id),
    name: row.name,
    type: row.type as JobParameters['type'],
    priority: row.priority,
    nextRunAt: row.next_run_at === null ? null : new Date(row.next_run_at),
    data: JSON.parse(row.data) as unknown,
    lockedAt: date(row.locked_at),
    disabled: row.disabled === 1 ? true : undefined,
    lastRunAt: date(row.last_run_at),
    lastFinishedAt: date(row.last_finished_at),
    failedAt: date(row.failed_at),
    failCount: row.fail_count ?? undefined,
    failReason: row.fail_reason ?? undefined,
    repeatInterval: row.repeat_interval === null ? undefined : (JSON.parse(row.repeat_interval) as string | number),
    repeatTimezone: row.repeat_timezone ?? undefined,
    repeatAt: row.repeat_at ?? undefined,
    progress: row.progress ?? undefined,
    lastModifiedBy: row.last_modified_by ?? undefined,
    fork: row.fork === null ? undefined : row.fork === 1,
    debounceStartedAt: date(row.debounce_started_at),
    startDate: date(row.start_date),
    endDate: date(row.end_date),
    skipDays: row.skip_days === null ? undefined : (JSON.parse(row.skip_days) as number[]),
  };
}

/** Like the Mongo backend, a save writes every field: those the job does not carry become null. */
function toSavedRow(job: Omit<JobParameters, '_id' | 'unique' | 'uniqueOpts'>, options?: JobRepositoryOptions): SavedRow {
  return {
    name: job.name,
    type: job.type,
    priority: job.priority ?? 0,
    next_run_at: time(job.nextRunAt),
    locked_at: time(job.lockedAt),
    disabled: job.disabled ? 1 : 0,
    data: JSON.stringify(job.data ?? null),
    last_run_at: time(job.lastRunAt),
    last_finished_at: time(job.lastFinishedAt),
    failed_at: time(job.failedAt),
    fail_count: job.failCount ?? null,
    fail_reason: job.failReason ?? null,
    repeat_interval: job.repeatInterval === undefined || job.repeatInterval === null ? null : JSON.stringify(job.repeatInterval),
    repeat_timezone: job.repeatTimezone ?? null,
    repeat_at: job.repeatAt ?? null,
    progress: job.progress ?? null,
    last_modified_by: options?.lastModifiedBy ?? null,
    fork: job.fork === undefined || job.fork === null ? null : Number(job.fork),
    debounce_started_at: time(job.debounceStartedAt),
    start_date: time(job.startDate),
    end_date: time(job.endDate),
    skip_days: job.skipDays ? JSON.stringify(job.skipDays) : null,
  };
}

export class SqliteJobRepository implements JobRepository {
  private readonly table: string;
  private readonly indexedDataFields: string[];
  /** SQL texts vary only with query shape (a bounded set); preparing them once keeps saves cheap. */
  private readonly statements = new Map<string, Database.Statement>();
  /** Unique and single-type saves look for an existing job first; the transaction keeps that atomic. */
  private saveInTransaction: Database.Transaction<(jobs: JobParameters[], options: JobRepositoryOptions | undefined) => JobParameters[]> | null = null;

  constructor(private readonly db: Database.Database, options: SqliteAgendaBackendOptions = {}) {
    this.table = options.table ?? 'agenda_jobs';
    if (!IDENTIFIER.test(this.table)) throw new Error(`Invalid Agenda table name: ${this.table}`);
    this.indexedDataFields = options.indexedDataFields ?? [];
  }

  private prepare<P extends unknown[] | object = unknown[], R = unknown>(sql: string): Database.Statement<P, R> {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      if (this.statements.size < 500) this.statements.set(sql, statement);
    }
    return statement as Database.Statement<P, R>;
  }

  /** Idempotent: every process opening the file may run it. */
  async connect(): Promise<void> {
    const t = this.table;
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS ${t} (
        id                  TEXT PRIMARY KEY,
        name                TEXT NOT NULL,
        type                TEXT NOT NULL,
        priority            INTEGER NOT NULL DEFAULT 0,
        next_run_at         INTEGER,
        locked_at           INTEGER,
        disabled            INTEGER NOT NULL DEFAULT 0,
        data                TEXT NOT NULL,
        last_run_at         INTEGER,
        last_finished_at    INTEGER,
        failed_at           INTEGER,
        fail_count          INTEGER,
        fail_reason         TEXT,
        repeat_interval     TEXT,
        repeat_timezone     TEXT,
        repeat_at           TEXT,
        progress            REAL,
        last_modified_by    TEXT,
        fork                INTEGER,
        debounce_started_at INTEGER,
        start_date          INTEGER,
        end_date            INTEGER,
        skip_days           TEXT
      );
      CREATE INDEX IF NOT EXISTS ${t}_due ON ${t} (name, next_run_at, priority DESC);
      CREATE INDEX IF NOT EXISTS ${t}_locked ON ${t} (name, locked_at);
    `);
    for (const field of this.indexedDataFields) {
      const suffix = field.replace(/[^A-Za-z0-9_]/g, '_');
      this.db.exec(`CREATE INDEX IF NOT EXISTS ${t}_data_${suffix} ON ${t} (name, json_extract(data, ${jsonPath([field])}))`);
    }
  }

  async disconnect(): Promise<void> {
    // The handle belongs to the caller (it also holds the events and read models).
  }

  async queryJobs(options: JobsQueryOptions = {}): Promise<JobsResult> {
    const { name, names, state, id, ids, search, data, includeDisabled = true, sort, skip = 0, limit = 0 } = options;
    const parts: Where[] = [];
    if (typeof name === 'string' && name) parts.push({ sql: 'name = ?', params: [name] });
    else if (names && names.length > 0) {
      parts.push({ sql: 'name IN (SELECT value FROM json_each(?))', params: [JSON.stringify(names)] });
    }
    if (typeof id === 'string' && id) parts.push({ sql: 'id = ?', params: [id] });
    else if (ids && ids.length > 0) parts.push(idsIn(ids));
    if (typeof search === 'string' && search) {
      parts.push({ sql: "name LIKE ? ESCAPE '\\'", params: [`%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`] });
    }
    if (data !== undefined) parts.push(...dataFilter(data));
    if (!includeDisabled) parts.push({ sql: 'disabled = 0', params: [] });
    const where = and(parts);
    const order = this.orderBy(sort);
    const now = new Date();
    const withState = (row: JobRow): JobWithState => {
      const job = fromRow(row);
      return { ...job, state: computeJobState(job, now) };
    };

    if (!state) {
      // Without a state filter the page can be cut in SQL; a state is computed from the row in code.
      const page = this
        .prepare<unknown[], JobRow>(`SELECT * FROM ${this.table} WHERE ${where.sql} ORDER BY ${order} LIMIT ? OFFSET ?`)
        .all(...where.params, limit > 0 ? limit : -1, skip);
      const { total } = this
        .prepare<unknown[], { total: number }>(`SELECT count(*) AS total FROM ${this.table} WHERE ${where.sql}`)
        .get(...where.params)!;
      return { jobs: page.map(withState), total };
    }
    const all = this
      .prepare<unknown[], JobRow>(`SELECT * FROM ${this.table} WHERE ${where.sql} ORDER BY ${order}`)
      .all(...where.params)
      .map(withState)
      .filter((job) => (state === 'paused' ? job.disabled === true : job.state === state));
    return { jobs: limit > 0 ? all.slice(skip, skip + limit) : all.slice(skip), total: all.length };
  }

  async getJobsOverview(): Promise<JobsOverview[]> {
    const now = new Date();
    const byName = new Map<string, JobsOverview>();
    for (const row of this.prepare<[], JobRow>(`SELECT * FROM ${this.table}`).iterate()) {
      let overview = byName.get(row.name);
      if (!overview) {
        overview = { name: row.name, total: 0, running: 0, scheduled: 0, queued: 0, completed: 0, failed: 0, repeating: 0, paused: 0 };
        byName.set(row.name, overview);
      }
      const job = fromRow(row);
      overview.total++;
      overview[computeJobState(job, now)]++;
      if (job.disabled) overview.paused++;
    }
    return [...byName.values()];
  }

  async getDistinctJobNames(): Promise<string[]> {
    return this.prepare<[], { name: string }>(`SELECT DISTINCT name FROM ${this.table}`).all().map((r) => r.name);
  }

  async getJobById(id: string): Promise<JobParameters | null> {
    const row = this.prepare<[string], JobRow>(`SELECT * FROM ${this.table} WHERE id = ?`).get(id);
    return row ? fromRow(row) : null;
  }

  async getQueueSize(): Promise<number> {
    return this
      .prepare<[number], { n: number }>(`SELECT count(*) AS n FROM ${this.table} WHERE next_run_at < ?`)
      .get(Date.now())!.n;
  }

  async removeJobs(options: RemoveJobsOptions): Promise<number> {
    const where = jobsFilter(options);
    if (!where) return 0;
    return this.prepare(`DELETE FROM ${this.table} WHERE ${where.sql}`).run(...where.params).changes;
  }

  async disableJobs(options: RemoveJobsOptions): Promise<number> {
    return this.setDisabled(options, 1);
  }

  async enableJobs(options: RemoveJobsOptions): Promise<number> {
    return this.setDisabled(options, 0);
  }

  async purgeAllJobs(): Promise<number> {
    return this.prepare(`DELETE FROM ${this.table}`).run().changes;
  }

  async saveJob<DATA = unknown>(job: JobParameters<DATA>, options: JobRepositoryOptions | undefined): Promise<JobParameters<DATA>> {
    return this.saveJobs([job], options)[0];
  }

  /** Saves jobs as `saveJob` would, in one immediate transaction (one commit for all of them). */
  saveJobs<DATA = unknown>(jobs: Array<JobParameters<DATA>>, options: JobRepositoryOptions | undefined): Array<JobParameters<DATA>> {
    // Made on first use: a closed connection must fail the save, not the construction.
    this.saveInTransaction ??= this.db.transaction((batch: JobParameters[], saveOptions: JobRepositoryOptions | undefined) => {
      const now = Date.now();
      return batch.map((job) => this.saveOne(job, saveOptions, now));
    });
    return this.saveInTransaction.immediate(jobs as JobParameters[], options) as Array<JobParameters<DATA>>;
  }

  private saveOne(job: JobParameters, options: JobRepositoryOptions | undefined, now: number): JobParameters {
    // unique/uniqueOpts steer the save; they are not stored.
    const { _id, unique, uniqueOpts, ...props } = job;
    const row = toSavedRow(props, options);
    if (_id) {
      // A job removed meanwhile is not resurrected; the caller gets its data back unchanged.
      return this.updateWhere(row, { sql: 'id = ? AND name = ?', params: [String(_id), props.name] }) ?? job;
    }
    if (props.type === 'single') {
      const existing = this.findOne(and([{ sql: "name = ? AND type = 'single'", params: [props.name] }]));
      if (!existing) return this.insert(row);
      // A recurring job re-declared at start-up keeps its pending run when the new one is already due.
      const keep = row.next_run_at !== null && (row.next_run_at as number) <= now;
      return this.updateWhere(keep ? { ...row, next_run_at: existing.next_run_at } : row, { sql: 'id = ?', params: [existing.id] })!;
    }
    if (unique) {
      const existing = this.findOne(and([{ sql: 'name = ?', params: [props.name] }, ...uniqueFilter(unique)]));
      const debounce = uniqueOpts?.debounce;
      if (debounce) return this.saveDebounced(row, existing, debounce, now);
      if (!existing) return this.insert(row);
      if (uniqueOpts?.insertOnly) return fromRow(existing);
      return this.updateWhere(row, { sql: 'id = ?', params: [existing.id] })!;
    }
    return this.insert(row);
  }

  async saveJobState(job: JobParameters, options: JobRepositoryOptions | undefined): Promise<void> {
    if (!job._id) throw new Error('Cannot save job state without job ID');
    const changes = this
      .prepare(
        `UPDATE ${this.table} SET locked_at = @locked_at, next_run_at = @next_run_at, last_run_at = @last_run_at,
           progress = @progress, fail_reason = @fail_reason, fail_count = @fail_count, failed_at = @failed_at,
           last_finished_at = @last_finished_at, last_modified_by = @last_modified_by
         WHERE id = @id AND name = @name`,
      )
      .run({
        id: String(job._id),
        name: job.name,
        locked_at: time(job.lockedAt),
        next_run_at: time(job.nextRunAt),
        last_run_at: time(job.lastRunAt),
        progress: job.progress ?? null,
        fail_reason: job.failReason ?? null,
        fail_count: job.failCount ?? null,
        failed_at: time(job.failedAt),
        last_finished_at: time(job.lastFinishedAt),
        last_modified_by: options?.lastModifiedBy ?? null,
      }).changes;
    if (changes !== 1) {
      throw new Error(`job ${job._id} (name: ${job.name}) cannot be updated in the database, maybe it does not exist anymore?`);
    }
  }

  async lockJob(job: JobParameters, options: JobRepositoryOptions | undefined): Promise<JobParameters | undefined> {
    if (!job._id) return undefined;
    const row = this
      .prepare<Params, JobRow>(
        `UPDATE ${this.table} SET locked_at = @now, last_modified_by = @by
         WHERE id = @id AND name = @name AND locked_at IS NULL AND next_run_at IS @next AND disabled = 0
         RETURNING *`,
      )
      .get({ now: Date.now(), by: options?.lastModifiedBy ?? null, id: String(job._id), name: job.name, next: time(job.nextRunAt) });
    return row ? fromRow(row) : undefined;
  }

  async unlockJob(job: JobParameters): Promise<void> {
    if (!job._id) return;
    // A one-time job that has started has no nextRunAt; its lock marks it running and must stay.
    this.prepare(`UPDATE ${this.table} SET locked_at = NULL WHERE id = ? AND next_run_at IS NOT NULL`).run(String(job._id));
  }

  async unlockJobs(jobIds: (JobId | string)[]): Promise<void> {
    if (jobIds.length === 0) return;
    const where = idsIn(jobIds);
    this.prepare(`UPDATE ${this.table} SET locked_at = NULL WHERE ${where.sql}`).run(...where.params);
  }

  /**
   * One statement selects and locks, so no other connection can lock the same job in between: a
   * write statement takes SQLite's write lock before it reads (waiting on the busy timeout).
   */
  async getNextJobToRun(
    jobName: string,
    nextScanAt: Date,
    lockDeadline: Date,
    now: Date | undefined,
    options: JobRepositoryOptions | undefined,
  ): Promise<JobParameters | undefined> {
    const t = this.table;
    const row = this
      .prepare<Params, JobRow>(
        `UPDATE ${t} SET locked_at = @lockTime, last_modified_by = @by
         WHERE id = (
           SELECT id FROM ${t}
           WHERE name = @name AND disabled = 0
             AND ((locked_at IS NULL AND next_run_at <= @nextScanAt) OR locked_at <= @lockDeadline)
           ORDER BY next_run_at ASC, priority DESC
           LIMIT 1)
         RETURNING *`,
      )
      .get({
        lockTime: (now ?? new Date()).getTime(),
        by: options?.lastModifiedBy ?? null,
        name: jobName,
        nextScanAt: nextScanAt.getTime(),
        lockDeadline: lockDeadline.getTime(),
      });
    return row ? fromRow(row) : undefined;
  }

  private setDisabled(options: RemoveJobsOptions, disabled: 0 | 1): number {
    const where = jobsFilter(options);
    if (!where) return 0;
    // Counts the jobs whose flag changed, like Mongo's modifiedCount.
    return this
      .prepare(`UPDATE ${this.table} SET disabled = ? WHERE ${where.sql} AND disabled <> ?`)
      .run(disabled, ...where.params, disabled).changes;
  }

  private orderBy(sort: JobsSort | undefined): string {
    const terms = Object.entries(sort ?? {})
      .filter(([key, dir]) => key in SORT_COLUMNS && dir !== undefined)
      .map(([key, dir]) => `${SORT_COLUMNS[key as keyof JobsSort]} ${dir === 'asc' ? 'ASC' : 'DESC'}`);
    return terms.length > 0 ? terms.join(', ') : 'next_run_at DESC, last_run_at DESC';
  }

  private findOne(where: Where): JobRow | undefined {
    return this.prepare<unknown[], JobRow>(`SELECT * FROM ${this.table} WHERE ${where.sql} LIMIT 1`).get(...where.params);
  }

  private insert(row: SavedRow): JobParameters {
    const columns = ['id', ...SAVED_COLUMNS];
    const inserted = this
      .prepare<Params, JobRow>(
        `INSERT INTO ${this.table} (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')}) RETURNING *`,
      )
      .get({ ...row, id: randomUUID() })!;
    return fromRow(inserted);
  }

  private updateWhere(row: SavedRow, where: Where): JobParameters | undefined {
    const assignments = SAVED_COLUMNS.map((c) => `${c} = @${c}`).join(', ');
    const updated = this
      .prepare<unknown[], JobRow>(`UPDATE ${this.table} SET ${assignments} WHERE ${where.sql} RETURNING *`)
      .get(...where.params, row);
    return updated ? fromRow(updated) : undefined;
  }

  /** Debounce as the Mongo backend does it: trailing pushes the run out, leading keeps the first. */
  private saveDebounced(
    row: SavedRow,
    existing: JobRow | undefined,
    debounce: { delay: number; maxWait?: number; strategy?: 'trailing' | 'leading' },
    now: number,
  ): JobParameters {
    const leading = debounce.strategy === 'leading';
    if (!existing) {
      return this.insert(
        leading ? { ...row, debounce_started_at: now } : { ...row, next_run_at: now + debounce.delay, debounce_started_at: now },
      );
    }
    const startedAt = existing.debounce_started_at ?? now;
    const byId = { sql: 'id = ?', params: [existing.id] };
    if (leading) return this.updateWhere({ ...row, next_run_at: existing.next_run_at, debounce_started_at: startedAt }, byId)!;
    if (debounce.maxWait && now - startedAt >= debounce.maxWait) {
      return this.updateWhere({ ...row, next_run_at: now, debounce_started_at: null }, byId)!;
    }
    return this.updateWhere({ ...row, next_run_at: now + debounce.delay, debounce_started_at: startedAt }, byId)!;
  }
}

/**
 * The backend Agenda is constructed with. The in-process notification channel lets a job saved due
 * now be locked and run at once instead of on the next poll; other processes sharing the file still
 * find it by polling.
 */
export class SqliteAgendaBackend implements AgendaBackend {
  readonly name = 'SQLite';
  readonly repository: SqliteJobRepository;
  readonly notificationChannel: NotificationChannel = new InMemoryNotificationChannel();
  readonly ownsConnection = false;

  constructor(db: Database.Database, options: SqliteAgendaBackendOptions = {}) {
    this.repository = new SqliteJobRepository(db, options);
  }

  connect(): Promise<void> {
    return this.repository.connect();
  }

  disconnect(): Promise<void> {
    return this.repository.disconnect();
  }
}
