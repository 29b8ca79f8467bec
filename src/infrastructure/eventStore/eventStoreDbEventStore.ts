/**
 * EventStore on EventStoreDB (production profile), through `@eventstore/db-client` 6.x.
 *
 * Create it with `EventStoreDbEventStore.connect(url, upcast?)` (a connection string such as
 * `esdb://127.0.0.1:2113?tls=false`; the client connects lazily, so this is synchronous) or with
 * `new EventStoreDbEventStore(client, upcast?)` around an `EventStoreDBClient` you built. Either way the
 * store owns the client: `close()` ends open subscriptions and disposes it.
 *
 * Positions. The port wants one strictly increasing number per event; EventStoreDB has `{ commit, prepare }`.
 * An append of several events is one implicit transaction: its events share one commit position (the
 * transaction's) and each has its own prepare position (its record's log offset). So `position =
 * Number(prepare)`: unique per event and, as gRPC appends are written contiguously, in `$all` order. The
 * commit position is not recoverable from the number, so resuming after position p first reads `$all`
 * at log position p and takes the exact `{ commit, prepare }` of the event found there; finding none
 * means p is no position this store produced (InvalidPosition, a 400 for a feed cursor). Log positions
 * are byte offsets — sparse, so a difference of two positions is no count of events — and Number is
 * exact up to 2^53 bytes (8 PiB of log).
 * Positions on stream reads need EventStoreDB >= 22.6 (docker-compose runs 24.10); older servers do not
 * report them there and such events read with position 0.
 *
 * Idempotency. EventStoreDB de-duplicates by event id only when the expected revision is exact and the
 * ids sit right after it. The port promises more ("ids already in the stream → the original result"), so
 * this adapter checks itself: under a stale exact/no_stream expectation it looks at the events right after
 * the expected revision (where a retried append landed the first time); under `any`/`stream_exists` it
 * searches the stream for the ids (a full read on the first attempt, so `any` is the costly choice; the
 * command handler always appends with an exact revision). An exact expectation that matches the head is
 * not searched — like the server itself.
 */
import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  InvalidArgumentError,
  NO_STREAM,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  excludeSystemEvents,
  jsonEvent,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type JSONType,
  type Position,
} from '@eventstore/db-client';
import stableStringify from 'safe-stable-stringify';
import {
  ConcurrencyError,
  IdempotencyMismatchError,
  InvalidPosition,
  type AppendResult,
  type EventMetadata,
  type EventStore,
  type EventToAppend,
  type ExpectedRevision,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type Subscription,
} from '../../application/ports/eventStore.js';
import { hashEvent } from '../../application/eventSourcing/eventChain.js';
import { noUpcast, type Upcast } from '../../application/eventSourcing/upcasting.js';

/** The part of the client this adapter uses (tests may hand in a stand-in). */
export type EventStoreDbClientApi = Pick<EventStoreDBClient, 'appendToStream' | 'readStream' | 'readAll' | 'subscribeToAll' | 'dispose'>;

/** What every event read from the client looks like, JSON or binary, from a stream or from $all. */
interface StoredRecord {
  streamId: string;
  id: string;
  isJson: boolean;
  revision: bigint;
  type: string;
  data: unknown;
  metadata: unknown;
  position?: Position;
}

const PAGE = 500;
/** `any` / `stream_exists` appends re-read the head and retry when another writer slips in between. */
const MAX_APPEND_ATTEMPTS = 16;
/** A subscription's consumer may lag; pause the gRPC stream rather than buffer without bound. */
const HIGH_WATER = 1000;
const LOW_WATER = 100;

export class EventStoreDbEventStore implements EventStore {
  private readonly subscriptions = new Set<Subscription>();
  private disposed = false;

  static connect(url: string, upcast: Upcast = noUpcast): EventStoreDbEventStore {
    return new EventStoreDbEventStore(EventStoreDBClient.connectionString(url), upcast);
  }

  constructor(private readonly client: EventStoreDbClientApi, private readonly upcast: Upcast = noUpcast) {}

  async append(streamId: string, events: EventToAppend[], expected: ExpectedRevision): Promise<AppendResult> {
    if (events.length === 0) throw new RangeError('append needs at least one event');
    let searchedUpTo = -1;
    for (let attempt = 1; ; attempt += 1) {
      const [head] = await this.read(streamId, { direction: 'backwards', maxCount: 1 });
      const actual = head ? head.revision : -1;
      if (!matches(expected, actual)) {
        const earlier = await this.retriedAppend(streamId, events, expected, actual);
        if (earlier) return earlier;
        throw new ConcurrencyError(streamId, expected, actual);
      }
      if ((expected === 'any' || expected === 'stream_exists') && actual > searchedUpTo) {
        const earlier = this.sameAppend(streamId, events, await this.read(streamId, { from: searchedUpTo + 1 }));
        if (earlier) return earlier;
        searchedUpTo = actual;
      }
      // The chain needs the previous hash, so the append must land exactly on the head we read.
      let previousHash = head?.metadata.hash ?? null;
      const data = events.map((event) => {
        const hash = hashEvent(previousHash, event.type, event.data, event.metadata);
        previousHash = hash;
        // The chain hashes JSON.stringify(data ?? null) and of the metadata; the client serialises both the same way.
        return jsonEvent({ id: event.metadata.eventId, type: event.type, data: (event.data ?? null) as JSONType, metadata: { ...event.metadata, hash } });
      });
      try {
        const result = await this.client.appendToStream(streamId, data, { expectedRevision: actual === -1 ? NO_STREAM : BigInt(actual) });
        const nextRevision = Number(result.nextExpectedRevision);
        // A lone event's commit position is its own; the events of a longer append share theirs, and a
        // de-duplicated append is answered without one: read the events' own positions back then.
        const positions = events.length === 1 && result.position
          ? [Number(result.position.commit)]
          : (await this.read(streamId, { from: nextRevision - events.length + 1, maxCount: events.length })).map((e) => e.position);
        return { nextRevision, position: positions[positions.length - 1] ?? 0, positions };
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError)) throw error;
        // Exact expectations end in the mismatch branch on the next round; `any` simply tries again.
        if (attempt >= MAX_APPEND_ATTEMPTS) {
          throw new ConcurrencyError(streamId, expected, error.actualVersion === NO_STREAM ? -1 : Number(error.actualVersion));
        }
      }
    }
  }

  /** Under a stale expectation, a retry finds its events right after the revision it expected. */
  private async retriedAppend(streamId: string, events: EventToAppend[], expected: ExpectedRevision, actual: number): Promise<AppendResult | null> {
    const start = expected === 'no_stream' ? 0 : typeof expected === 'number' ? expected + 1 : -1;
    if (start < 0 || start > actual) return null;
    return this.sameAppend(streamId, events, await this.read(streamId, { from: start, maxCount: events.length }));
  }

  /**
   * Given stored events that may hold the batch's ids: none → null; exactly the batch (same ids in order,
   * consecutive, same type and data — metadata such as recordedAt may differ on a retry) → the original
   * result; anything else means an id was reused for other content.
   */
  private sameAppend(streamId: string, events: EventToAppend[], stored: RecordedEvent[]): AppendResult | null {
    const wanted = new Set(events.map((e) => e.metadata.eventId));
    const found = stored.filter((e) => wanted.has(e.metadata.eventId));
    if (found.length === 0) return null;
    const same = found.length === events.length && found.every((e, index) => e.metadata.eventId === events[index].metadata.eventId
      && e.revision === found[0].revision + index && e.type === events[index].type
      && stableStringify(e.data) === stableStringify(events[index].data));
    if (!same) throw new IdempotencyMismatchError(streamId, found[0].metadata.eventId);
    const last = found[found.length - 1];
    return { nextRevision: last.revision, position: last.position, positions: found.map((e) => e.position) };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const events = await this.read(streamId, options);
    return options.raw ? events : events.map(this.upcast);
  }

  /** Raw events of one stream, as stored. */
  private async read(streamId: string, options: ReadStreamOptions): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    const reading = this.client.readStream(streamId, {
      direction: backwards ? BACKWARDS : FORWARDS,
      fromRevision: options.from !== undefined ? BigInt(options.from) : backwards ? END : START,
      ...(options.maxCount !== undefined ? { maxCount: options.maxCount } : {}),
    });
    const events: RecordedEvent[] = [];
    try {
      for await (const resolved of reading) {
        const event = resolved.event && toRecorded(resolved.event);
        if (event) events.push(event);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return events;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const max = options.maxCount ?? PAGE;
    const events: RecordedEvent[] = [];
    // Exclusive lower bound; it moves with every delivered event, so a record repeated at a page seam is dropped.
    let after = options.fromPosition ?? 0;
    let from: typeof START | Position = after > 0 ? await this.exactPosition(after) : START;
    // A $all read starts *at* its position and includes system events: skip both, page until full or at the end.
    for (;;) {
      const reading = this.client.readAll({ direction: FORWARDS, fromPosition: from, maxCount: PAGE });
      let seen = 0;
      for await (const resolved of reading) {
        seen += 1;
        if (resolved.event) from = resolved.event.position;
        const event = ours(resolved);
        if (!event || event.position <= after) continue;
        events.push(this.upcast(event));
        after = event.position;
        if (events.length >= max) {
          await reading.cancel();
          return events;
        }
      }
      if (seen < PAGE) return events;
    }
  }

  async headPosition(): Promise<number> {
    // The newest event that a subscription would deliver, i.e. skipping system events at the tail.
    let from: typeof END | Position = END;
    for (;;) {
      const reading = this.client.readAll({ direction: BACKWARDS, fromPosition: from, maxCount: PAGE });
      let seen = 0;
      let lastPosition: Position | undefined;
      for await (const resolved of reading) {
        seen += 1;
        const event = ours(resolved);
        if (event) {
          await reading.cancel();
          return event.position;
        }
        lastPosition = resolved.event?.position ?? lastPosition;
      }
      if (seen < PAGE || !lastPosition) return 0;
      from = lastPosition;
    }
  }

  /**
   * The `{ commit, prepare }` of our event at prepare position p. A read from log position p answers
   * the record there (or, for a position inside a record, the next one — or the server refuses it).
   */
  private async exactPosition(p: number): Promise<Position> {
    const reading = this.client.readAll({ direction: FORWARDS, fromPosition: { commit: BigInt(p), prepare: BigInt(p) }, maxCount: 1 });
    try {
      for await (const resolved of reading) {
        const event = ours(resolved);
        if (event?.position === p && resolved.event?.position) return resolved.event.position;
      }
    } catch (error) {
      if (!(error instanceof InvalidArgumentError)) throw error;
    }
    throw new InvalidPosition(p);
  }

  subscribeToAll(options: { fromPosition?: number } = {}): Subscription {
    const after = options.fromPosition ?? 0;
    const open = async () => this.client.subscribeToAll({
      fromPosition: after > 0 ? await this.exactPosition(after) : START,
      filter: excludeSystemEvents(),
    });
    const subscription = new LiveSubscription(open(), after, this.upcast, () => this.subscriptions.delete(subscription));
    this.subscriptions.add(subscription);
    return subscription;
  }

  async close(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    await this.client.dispose();
  }
}

/**
 * Adapts the client's push stream (catch-up, then live, switched over by the server without gap or
 * duplicate) to the port's pull iteration; close() ends a pending next() at once. The stream opens once
 * the start position is resolved; a failure to resolve it reaches the consumer like a stream error.
 */
class LiveSubscription implements Subscription {
  private readonly buffer: RecordedEvent[] = [];
  private waiter: { resolve(result: IteratorResult<RecordedEvent>): void; reject(error: unknown): void } | null = null;
  private failure: unknown = null;
  private ended = false;
  private source: AllStreamSubscription | null = null;

  constructor(
    opening: Promise<AllStreamSubscription>,
    private after: number,
    private readonly upcast: Upcast,
    private readonly onClose: () => void,
  ) {
    opening.then((source) => {
      if (this.ended) {
        void source.unsubscribe();
        return;
      }
      this.source = source;
      this.listen(source);
    }, (error: unknown) => this.finish(error));
  }

  private listen(source: AllStreamSubscription): void {
    const { upcast } = this;
    source.on('data', (resolved: AllStreamResolvedEvent) => {
      const event = ours(resolved);
      // Positions only grow; anything at or before the last delivered one is a repeat.
      if (!event || event.position <= this.after) return;
      this.after = event.position;
      try {
        this.push(upcast(event));
      } catch (error) {
        // An upcaster bug must reach the consumer (who retries from its checkpoint), not crash the process.
        this.finish(error);
        void source.unsubscribe();
      }
    });
    source.on('error', (error: unknown) => this.finish(error));
    source.on('end', () => this.finish(null));
    source.on('close', () => this.finish(null));
  }

  private push(event: RecordedEvent): void {
    if (this.waiter) {
      const { resolve } = this.waiter;
      this.waiter = null;
      resolve({ value: event, done: false });
      return;
    }
    this.buffer.push(event);
    if (this.buffer.length >= HIGH_WATER) this.source?.pause();
  }

  private finish(error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = error;
    const waiter = this.waiter;
    this.waiter = null;
    if (waiter && error) waiter.reject(error);
    else waiter?.resolve({ value: undefined, done: true });
  }

  private next(): Promise<IteratorResult<RecordedEvent>> {
    const event = this.buffer.shift();
    if (event) {
      this.resumeIfDrained();
      return Promise.resolve({ value: event, done: false });
    }
    if (this.ended) return this.failure ? Promise.reject(this.failure) : Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => { this.waiter = { resolve, reject }; });
  }

  private resumeIfDrained(): void {
    if (this.buffer.length <= LOW_WATER && this.source?.isPaused()) this.source.resume();
  }

  async *runs(max: number): AsyncGenerator<RecordedEvent[]> {
    for (;;) {
      const first = await this.next();
      if (first.done) return;
      const run = [first.value, ...this.buffer.splice(0, Math.max(0, max - 1))];
      this.resumeIfDrained();
      yield run;
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    return {
      next: () => this.next(),
      return: async () => {
        await this.close();
        return { value: undefined, done: true };
      },
    };
  }

  async close(): Promise<void> {
    const open = !this.ended;
    // Whoever closes wants nothing more: drop what is buffered and any failure not yet seen.
    this.buffer.length = 0;
    this.finish(null);
    this.failure = null;
    this.onClose();
    if (open) await this.source?.unsubscribe();
  }
}

function matches(expected: ExpectedRevision, actual: number): boolean {
  switch (expected) {
    case 'any': return true;
    case 'no_stream': return actual === -1;
    case 'stream_exists': return actual >= 0;
    default: return expected === actual;
  }
}

function toPosition(position: Position | undefined): number {
  return position ? Number(position.prepare) : 0;
}

/** Events this service wrote are JSON with our metadata; system events ($-types) and binary ones are not. */
function toRecorded(record: StoredRecord): RecordedEvent | null {
  if (!record.isJson || record.type.startsWith('$')) return null;
  return {
    streamId: record.streamId,
    revision: Number(record.revision),
    position: toPosition(record.position),
    type: record.type,
    data: record.data,
    metadata: record.metadata as EventMetadata,
  };
}

function ours(resolved: AllStreamResolvedEvent): RecordedEvent | null {
  return resolved.event && !resolved.event.streamId.startsWith('$') ? toRecorded(resolved.event) : null;
}
