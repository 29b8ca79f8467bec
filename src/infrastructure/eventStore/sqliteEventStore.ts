import type Database from 'better-sqlite3';
import { EventEmitter } from 'node:events';
import stableStringify from 'safe-stable-stringify';
import {
  ConcurrencyError,
  IdempotencyMismatchError,
  InvalidPosition,
  type AppendResult,
  type EventStore,
  type EventToAppend,
  type ExpectedRevision,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type StreamAppend,
  type Subscription,
} from '../../application/ports/eventStore.js';
import { hashEventJson } from '../../application/eventSourcing/eventChain.js';
import { noUpcast, type Upcast } from '../../application/eventSourcing/upcasting.js';
import type { SynchronousMode } from '../sqlite/openDatabase.js';
import { liveEvent } from './liveEvent.js';

interface Row {
  position: number;
  hash: string;
  stream_id: string;
  revision: number;
  type: string;
  data: string;
  metadata: string;
}

type StoredEvent = Pick<Row, 'stream_id' | 'revision' | 'position' | 'type' | 'data'>;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  position  INTEGER PRIMARY KEY AUTOINCREMENT,
  stream_id TEXT    NOT NULL,
  revision  INTEGER NOT NULL,
  event_id  TEXT    NOT NULL,
  type      TEXT    NOT NULL,
  data      TEXT    NOT NULL,
  metadata  TEXT    NOT NULL,
  hash      TEXT    NOT NULL,
  UNIQUE (stream_id, revision)
);`;

const PAGE = 500;
/** How many recently committed events live subscribers can take from memory. */
const RECENT_EVENTS = 5000;
/**
 * Commits by other connections (a second process on the file, the CLI) wake no one here, and a lease
 * owner must see another instance's appends before that instance's `waitFor` can return.
 * `PRAGMA data_version` tells of them for a few microseconds, so it is checked this often while
 * anyone subscribes.
 */
const FOREIGN_WRITER_CHECK_MS = 10;

/** One caller's request: one stream's append, or several streams' appended all or none (appendMany). */
interface PendingAppend {
  appends: readonly StreamAppend[];
  resolve(results: AppendResult[]): void;
  reject(error: unknown): void;
  results?: AppendResult[];
  error?: unknown;
  /** What this append wrote, for live subscribers; emptied if its savepoint rolled back. */
  recorded: RecentEvent[];
}

/**
 * A just-committed event as written; its payload is parsed (once, shared by every subscriber) only
 * when a subscriber first reads it (liveEvent.ts), which keeps the parsing off the append path.
 */
interface RecentEvent {
  position: number;
  row: Row;
  parsed?: RecordedEvent;
}

/**
 * Event store on one SQLite table. better-sqlite3 is synchronous, so an append is one immediate
 * transaction that nothing else in this process can interleave with; other processes wait on the
 * busy timeout. A rejected append rolls back whole and leaves the stream exactly as it was.
 */
export class SqliteEventStore implements EventStore {
  private readonly notifier = new EventEmitter();
  private readonly statements;
  private readonly commitBatch: (batch: PendingAppend[]) => void;
  private readonly commitAlone: (append: PendingAppend) => void;
  /** When to commit what has been requested; see the constructor. */
  private readonly schedule: (flush: () => void) => void;
  private pending: PendingAppend[] = [];
  private readonly recent: RecentEvent[] = [];
  /** The highest position this process has committed (0 until its first append). */
  private lastCommitted = 0;
  private closed = false;
  private subscribers = 0;
  private foreignWatch: ReturnType<typeof setInterval> | null = null;

  /**
   * `synchronous` is the durability of event commits when it differs from the connection's: the
   * embedded profile shares one connection with read models at NORMAL (two connections to one file
   * would empty each other's page cache on every write) and commits events at FULL.
   */
  constructor(
    private readonly db: Database.Database,
    private readonly upcast: Upcast = noUpcast,
    options: { synchronous?: SynchronousMode } = {},
  ) {
    db.exec(SCHEMA);
    this.notifier.setMaxListeners(0);
    this.statements = {
      head: db.prepare<[string], { revision: number; hash: string; position: number }>(
        'SELECT revision, hash, position FROM events WHERE stream_id = ? ORDER BY revision DESC LIMIT 1'),
      insert: db.prepare(
        'INSERT INTO events (stream_id, revision, event_id, type, data, metadata, hash) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      // Scoped to the stream (as EventStoreDB's idempotency is): a global unique index on event ids
      // would cost a random B-tree page per append, a third of the append throughput.
      byEventId: db.prepare<[string, string], StoredEvent>(
        'SELECT stream_id, revision, position, type, data FROM events WHERE stream_id = ? AND event_id = ?'),
      forwards: db.prepare<[string, number, number], Row>(
        'SELECT * FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision ASC LIMIT ?'),
      backwards: db.prepare<[string, number, number], Row>(
        'SELECT * FROM events WHERE stream_id = ? AND revision <= ? ORDER BY revision DESC LIMIT ?'),
      all: db.prepare<[number, number], Row>('SELECT * FROM events WHERE position > ? ORDER BY position ASC LIMIT ?'),
      headPosition: db.prepare<[], { p: number | null }>('SELECT MAX(position) AS p FROM events'),
      dataVersion: db.prepare<[], { data_version: number }>('PRAGMA data_version'),
    };
    // Nested inside the batch transaction, each append runs in its own savepoint: a rejected one
    // rolls back alone and changes nothing, while the others in the batch still commit.
    const one = db.transaction((append: PendingAppend) => append.appends.map((part) => this.appendInTransaction(part, append.recorded)));
    const settle = (append: PendingAppend, run: (append: PendingAppend) => AppendResult[]) => {
      try {
        append.results = run(append);
      } catch (error) {
        append.recorded = [];
        append.error = error;
      }
    };
    const connectionLevel = Number(db.pragma('synchronous', { simple: true }));
    const level = options.synchronous ? SYNCHRONOUS_LEVEL[options.synchronous] : connectionLevel;
    // Batching pays where a commit is expensive: with synchronous=FULL every commit is an fsync, so
    // appends wait for the end of the event-loop turn to share one; with NORMAL a commit is cheap and
    // waiting a turn would only add latency, so the batch is what one callback requested.
    this.schedule = level >= SYNCHRONOUS_LEVEL.full ? (flush) => setImmediate(flush) : queueMicrotask;
    // Prepared once: db.pragma() prepares its statement on every call, twice per commit here.
    const raise = db.prepare(`PRAGMA synchronous = ${level}`);
    const restore = db.prepare(`PRAGMA synchronous = ${connectionLevel}`);
    const durable = <A>(commit: (arg: A) => void) => (level === connectionLevel ? commit : (arg: A) => {
      raise.run();
      try {
        commit(arg);
      } finally {
        restore.run();
      }
    });
    // A lone append (the common case when idle) needs no savepoint: its own transaction rolls back whole.
    this.commitAlone = durable((append: PendingAppend) => settle(append, one.immediate));
    this.commitBatch = durable(db.transaction((batch: PendingAppend[]) => {
      for (const append of batch) settle(append, one);
    }).immediate);
  }

  /**
   * Group commit: appends requested during one turn of the event loop share one transaction, so
   * concurrent requests pay for one fsync between them instead of one each. Each append still
   * resolves only after its commit is durable.
   */
  async append(streamId: string, events: EventToAppend[], expected: ExpectedRevision): Promise<AppendResult> {
    return (await this.appendMany([{ streamId, events, expected }]))[0];
  }

  /** One savepoint for all of them, inside the same group commit as every other append of the turn. */
  appendMany(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    if (appends.length === 0 || appends.some((a) => a.events.length === 0)) {
      return Promise.reject(new RangeError('append needs at least one event'));
    }
    if (new Set(appends.map((a) => a.streamId)).size !== appends.length) {
      return Promise.reject(new RangeError('appendMany takes each stream at most once'));
    }
    return new Promise<AppendResult[]>((resolve, reject) => {
      this.pending.push({ appends, resolve, reject, recorded: [] });
      if (this.pending.length === 1) this.schedule(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    try {
      if (batch.length === 1) this.commitAlone(batch[0]);
      else this.commitBatch(batch);
    } catch (error) {
      // The commit itself failed (disk full, I/O error): nothing in the batch was written.
      for (const append of batch) append.reject(error);
      return;
    }
    let last = 0;
    for (const append of batch) {
      if (append.results) {
        for (const result of append.results) last = Math.max(last, result.position);
        this.remember(append.recorded);
        append.resolve(append.results);
      } else {
        append.reject(append.error);
      }
    }
    if (last > 0) {
      this.lastCommitted = Math.max(this.lastCommitted, last);
      this.notifier.emit('appended', last);
    }
  }

  /**
   * Recently committed events, kept so that live subscribers (every projection and reactor) take
   * them from memory instead of each re-reading the table after every append.
   */
  private remember(events: RecentEvent[]): void {
    this.recent.push(...events);
    if (this.recent.length > RECENT_EVENTS * 2) this.recent.splice(0, this.recent.length - RECENT_EVENTS);
  }

  /** Events after `position` from memory, only as a run with no gap; otherwise null (read the table). */
  private recentAfter(position: number, max: number): RecordedEvent[] | null {
    const first = this.recent[0];
    if (!first || position + 1 < first.position) return null;
    const start = position + 1 - first.position;
    if (start >= this.recent.length) return null;
    const run: RecordedEvent[] = [];
    for (let i = start; i < this.recent.length && run.length < max; i += 1) {
      const entry = this.recent[i];
      if (entry.position !== position + 1 + run.length) break;
      // Shared by every live subscriber, and parsed only as far as one of them reads it.
      entry.parsed ??= liveEvent(entry.row);
      run.push(entry.parsed);
    }
    // Upcasting happens on delivery, as for rows read from the table (an upcaster bug must never fail an append).
    return run.length > 0 ? run.map(this.upcast) : null;
  }

  private appendInTransaction({ streamId, events, expected }: StreamAppend, recorded: RecentEvent[]): AppendResult {
    const head = this.statements.head.get(streamId);
    const actual = head ? head.revision : -1;
    // The same ids already in the stream mean a retry of an append that succeeded: answer as then.
    // An exact expectation that matches cannot be such a retry, so the hot path skips the lookup.
    const exact = typeof expected === 'number' || expected === 'no_stream';
    if (!matches(expected, actual) || (!exact && actual >= 0)) {
      // Nothing of this append is written yet, so answering the earlier result needs no rollback.
      const earlier = this.earlierAppend(streamId, events);
      if (earlier) return earlier;
      if (!matches(expected, actual)) throw new ConcurrencyError(streamId, expected, actual);
    }
    let previousHash = head?.hash ?? null;
    let revision = actual;
    const positions: number[] = [];
    for (const event of events) {
      revision += 1;
      const data = JSON.stringify(event.data ?? null);
      const metadata = JSON.stringify(event.metadata);
      const hash = hashEventJson(previousHash, event.type, data, metadata);
      const info = this.statements.insert.run(streamId, revision, event.metadata.eventId, event.type, data, metadata, hash);
      const position = Number(info.lastInsertRowid);
      positions.push(position);
      previousHash = hash;
      recorded.push({ position, row: { position, stream_id: streamId, revision, type: event.type, data, metadata, hash } });
    }
    return { nextRevision: revision, position: positions[positions.length - 1], positions };
  }

  /**
   * A retry carries the ids of an append that already landed: answer as then. It must be the same
   * append — every id, in order, consecutive in this stream, with the same type and data (metadata such
   * as recordedAt may differ on a retry) — otherwise an id was reused for something else and is refused,
   * including a batch that only partly overlaps (which would otherwise surface as a raw constraint error).
   */
  private earlierAppend(streamId: string, events: EventToAppend[]): AppendResult | null {
    const stored = events.map((event) => this.statements.byEventId.get(streamId, event.metadata.eventId));
    const clash = stored.findIndex((row) => row !== undefined);
    if (clash === -1) return null;
    const first = stored[0];
    const same = (row: StoredEvent | undefined, index: number): row is StoredEvent => first !== undefined && row !== undefined
      && row.stream_id === streamId && row.revision === first.revision + index && row.type === events[index].type
      && stableStringify(JSON.parse(row.data)) === stableStringify(events[index].data);
    if (!stored.every(same)) throw new IdempotencyMismatchError(streamId, events[clash].metadata.eventId);
    const last = stored[stored.length - 1];
    return { nextRevision: last.revision, position: last.position, positions: stored.map((row) => row.position) };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const max = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    const rows = options.direction === 'backwards'
      ? this.statements.backwards.all(streamId, options.from ?? Number.MAX_SAFE_INTEGER, max)
      : this.statements.forwards.all(streamId, options.from ?? 0, max);
    return rows.map((row) => (options.raw ? toRecorded(row) : this.upcast(toRecorded(row))));
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const after = options.fromPosition ?? 0;
    const events = this.readAllSync(after, options.maxCount ?? PAGE);
    // Any row id up to the head is a boundary this store can resume from; one past it was never produced.
    if (events.length === 0 && after > (this.statements.headPosition.get()?.p ?? 0)) throw new InvalidPosition(after);
    return events;
  }

  private readAllSync(after: number, max: number): RecordedEvent[] {
    return this.statements.all.all(after, max).map((row) => this.upcast(toRecorded(row)));
  }

  async headPosition(): Promise<number> {
    return this.statements.headPosition.get()?.p ?? 0;
  }

  /** Starts the data_version check with the first subscriber; the returned function ends one's interest. */
  private watchForeignWriters(): () => void {
    this.subscribers += 1;
    if (!this.foreignWatch) {
      let seen = this.statements.dataVersion.get()?.data_version;
      this.foreignWatch = setInterval(() => {
        // The owner may close the connection before the store; nothing is left to watch then.
        if (!this.db.open) {
          this.stopWatching();
          return;
        }
        const now = this.statements.dataVersion.get()?.data_version;
        if (now !== seen) {
          seen = now;
          this.notifier.emit('foreign');
        }
      }, FOREIGN_WRITER_CHECK_MS);
      this.foreignWatch.unref?.();
    }
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.subscribers -= 1;
      if (this.subscribers === 0) this.stopWatching();
    };
  }

  private stopWatching(): void {
    if (this.foreignWatch) clearInterval(this.foreignWatch);
    this.foreignWatch = null;
  }

  subscribeToAll(options: { fromPosition?: number } = {}): Subscription {
    let position = options.fromPosition ?? 0;
    let open = true;
    let wake: ((foreign: boolean) => void) | null = null;
    const onAppend = () => wake?.(false);
    const onForeign = () => wake?.(true);
    const { notifier } = this;
    const storeClosed = () => this.closed;
    // After a wake-up by our own append, a subscriber at our last commit has nothing to read: only a
    // commit by another connection needs a look at the table then.
    const readAfter = (after: number, foreign: boolean, max: number) => this.recentAfter(after, max)
      ?? (!foreign && after === this.lastCommitted ? [] : this.readAllSync(after, max));
    notifier.on('appended', onAppend);
    notifier.on('foreign', onForeign);
    notifier.on('closed', onAppend);
    const unwatch = this.watchForeignWriters();
    const stop = () => {
      open = false;
      notifier.off('appended', onAppend);
      notifier.off('foreign', onForeign);
      notifier.off('closed', onAppend);
      unwatch();
      wake?.(false);
    };
    async function* runs(max: number): AsyncGenerator<RecordedEvent[]> {
      try {
        let polled = true;
        while (open && !storeClosed()) {
          // Reading by position (from memory or the table) is what makes catch-up and live seamless.
          const run = readAfter(position, polled, Math.max(1, Math.min(max, PAGE)));
          if (run.length === 0) {
            polled = await new Promise<boolean>((resolve) => { wake = resolve; });
            wake = null;
            continue;
          }
          polled = false;
          position = run[run.length - 1].position;
          yield run;
        }
      } finally {
        stop();
      }
    }
    async function* events(): AsyncGenerator<RecordedEvent> {
      for await (const run of runs(PAGE)) {
        for (const event of run) {
          if (!open) return;
          yield event;
        }
      }
    }
    let iterator: AsyncGenerator<unknown> | null = null;
    return {
      [Symbol.asyncIterator]: () => (iterator = events()) as AsyncGenerator<RecordedEvent>,
      runs: (max) => ({ [Symbol.asyncIterator]: () => (iterator = runs(max)) as AsyncGenerator<RecordedEvent[]> }),
      close: async () => {
        stop();
        await iterator?.return(undefined);
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopWatching();
    this.notifier.emit('closed');
  }
}

/** SQLite's numeric values of PRAGMA synchronous. */
const SYNCHRONOUS_LEVEL: Record<SynchronousMode, number> = { normal: 1, full: 2 };

function matches(expected: ExpectedRevision, actual: number): boolean {
  switch (expected) {
    case 'any': return true;
    case 'no_stream': return actual === -1;
    case 'stream_exists': return actual >= 0;
    default: return expected === actual;
  }
}


function toRecorded(row: Row): RecordedEvent {
  // The hash lives in its own column: the metadata text is stored exactly as it was hashed. Set on
  // the parsed object rather than spread into a copy, which cost more than the parse itself.
  const metadata = JSON.parse(row.metadata) as RecordedEvent['metadata'];
  metadata.hash = row.hash;
  return { streamId: row.stream_id, revision: row.revision, position: row.position, type: row.type, data: JSON.parse(row.data), metadata };
}
