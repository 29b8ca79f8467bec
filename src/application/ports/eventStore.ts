import { Invalid } from '../../domain/shared/errors.js';
import type { Actor } from '../../domain/shared/event.js';

/**
 * The event store port. Revisions are 0-based per stream; positions are a global, strictly increasing
 * order over all streams, unique per event but not consecutive (SQLite: row id; EventStoreDB: the
 * event's prepare position, a byte offset in the log). Differences of positions are no event counts.
 */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | number;

export interface EventMetadata {
  eventId: string;
  actor: Actor;
  correlationId: string;
  causationId: string | null;
  recordedAt: string;
  /** Version of the event type's payload schema; upcasters lift older versions on read. */
  schemaVersion: number;
  /** SHA-256 over (previous hash in the stream, type, data, metadata without hash). */
  hash: string;
  /** Dedupe/idempotency keys and similar annotations travel here. */
  extra?: Record<string, unknown>;
}

/** An event ready to append: the store fills in `hash` inside the append, where the previous hash is known. */
export interface EventToAppend {
  type: string;
  data: unknown;
  metadata: Omit<EventMetadata, 'hash'>;
}

export interface RecordedEvent<T extends string = string, D = unknown> {
  streamId: string;
  revision: number;
  position: number;
  type: T;
  data: D;
  metadata: EventMetadata;
}

/**
 * Where a store that keeps the chain hash apart from the metadata text may also expose it on the
 * events it delivers, so a reader that needs only the hash (the ledger, once per event) does not make
 * it parse the metadata. Copies (spread, upcast) drop it; `metadata.hash` then answers the same.
 */
export const STORED_HASH = Symbol('storedHash');

export function storedHash(event: RecordedEvent): string {
  return (event as RecordedEvent & { [STORED_HASH]?: string })[STORED_HASH] ?? event.metadata.hash;
}

export interface AppendResult {
  /** Revision of the last event now in the stream. */
  nextRevision: number;
  /** Global position of the last appended event. */
  position: number;
  /** Global position of each appended event, in order (not necessarily consecutive). */
  positions: number[];
}

/** One stream's part of an atomic write over several streams. */
export interface StreamAppend {
  streamId: string;
  events: EventToAppend[];
  expected: ExpectedRevision;
}

export interface ReadStreamOptions {
  from?: number;
  direction?: 'forwards' | 'backwards';
  maxCount?: number;
  /** Skip upcasting and return events exactly as stored (the hash chain is over stored bytes). */
  raw?: boolean;
}

export interface ReadAllOptions {
  /**
   * Exclusive: events strictly after this position. Omit (or 0) to start at the beginning. A position
   * this store did not produce may be refused with InvalidPosition.
   */
  fromPosition?: number;
  maxCount?: number;
}

export interface Subscription extends AsyncIterable<RecordedEvent> {
  /**
   * The same events in runs: each run is what has already arrived, at least one event and at most
   * `max`, so a subscriber can handle a run at once (a projection writes it in one commit). Iterate
   * either the runs or the events of a subscription, not both.
   */
  runs(max: number): AsyncIterable<RecordedEvent[]>;
  close(): Promise<void>;
}

export interface EventStore {
  /**
   * Appends atomically. Re-appending events whose ids are already in the stream returns the original
   * result and writes nothing (idempotent retry). A wrong expectation throws ConcurrencyError.
   */
  append(streamId: string, events: EventToAppend[], expected: ExpectedRevision): Promise<AppendResult>;
  /**
   * Several streams (each at most once) appended atomically, each under its own expectation: all are
   * written or, when any expectation fails (ConcurrencyError), none is. A part whose ids are already
   * in its stream answers its earlier result, as `append` does. Optional: a store that cannot write
   * streams atomically (EventStoreDB) leaves it out, and callers append one stream at a time.
   */
  appendMany?(appends: readonly StreamAppend[]): Promise<AppendResult[]>;
  /** Events of one stream; an absent stream reads as empty. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Catch-up from `fromPosition` (exclusive), then live, with no gap and no duplicate at the switch. */
  subscribeToAll(options?: { fromPosition?: number }): Subscription;
  /** The last global position written, or 0 for an empty store. */
  headPosition(): Promise<number>;
  close(): Promise<void>;
}

export class ConcurrencyError extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    /** -1 when the stream does not exist. */
    readonly actual: number,
  ) {
    super(`stream ${streamId}: expected revision ${String(expected)}, actual ${actual}`);
    this.name = 'ConcurrencyError';
  }
}

/** A position handed in from outside (a feed cursor) that this store never produced: a 400, never a 500. */
export class InvalidPosition extends Invalid {
  constructor(readonly position: number) {
    super('invalid_position', `${position} is not a position of this event store`);
  }
}

/** Thrown when re-used event ids do not match what the stream holds (a key reused for other content). */
export class IdempotencyMismatchError extends Error {
  constructor(readonly streamId: string, readonly eventId: string) {
    super(`stream ${streamId}: event id ${eventId} was already used for a different append`);
    this.name = 'IdempotencyMismatchError';
  }
}
