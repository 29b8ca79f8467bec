import { createHash } from 'node:crypto';
import { Conflict } from '../../domain/shared/errors.js';
import type { Actor, Decider, DomainEvent } from '../../domain/shared/event.js';
import type { Clock } from '../ports/clock.js';
import type { Ids } from '../ports/ids.js';
import type { PersonalDataKeys } from '../ports/personalDataKeys.js';
import type { SnapshotStore } from '../ports/snapshotStore.js';
import {
  ConcurrencyError, type AppendResult, type EventStore, type EventToAppend, type ExpectedRevision, type RecordedEvent,
} from '../ports/eventStore.js';
import { schemaVersionOf } from './schemaVersions.js';
import { foldHistory, loadStream, saveSnapshotIfDue } from './snapshots.js';

/** Who is asking and why; flows into every event's metadata. */
export interface CommandContext {
  actor: Actor;
  correlationId: string;
  causationId?: string | null;
  /** When set, event ids derive from it, so a retried command appends nothing new. */
  idempotencyKey?: string;
}

export interface HandlerDeps {
  events: EventStore;
  clock: Clock;
  ids: Ids;
  /** Observes conflicts and retries (metrics); optional. */
  onConflict?: (streamId: string) => void;
  /** Snapshots of the streams whose deciders opt in (`Decider.snapshot`); absent, every command reads its whole stream. */
  snapshots?: SnapshotStore;
  /** Seals snapshots of states holding personal data; absent, those streams are read whole (see `SnapshotDeps`). */
  personalData?: PersonalDataKeys;
  /** A snapshot could not be read or saved (the command went on without it); for the log. */
  onSnapshotFailed?: (streamId: string, error: unknown) => void;
}

export interface Handled<S> {
  state: S;
  /** The events this command appended (empty when the decision was a no-op). */
  appended: RecordedEvent[];
  /** The stream's revision after the command, -1 if it still does not exist. */
  revision: number;
  /** Global position to wait for (read-your-writes); the stream's last position on a no-op. */
  position: number;
  /** Id of the last appended event (or null), for causation chains. */
  lastEventId: string | null;
}

export interface HandleOptions {
  /**
   * The stream is almost certainly new (its id was just generated): the first attempt decides on
   * the initial state without reading and appends expecting no stream. Should the stream exist after
   * all, that append is refused and the command starts over from a normal load.
   */
  newStream?: boolean;
  /**
   * The stream as the caller has just read it: the first attempt decides on it instead of reading
   * again (its expected revision still guards the append); a conflict reads afresh.
   */
  history?: readonly RecordedEvent[];
  /**
   * Names this append within its command when the command writes the same stream more than once
   * (hold, then book, then give back): each step derives its own event ids from the Idempotency-Key,
   * so one step's events never make another look done.
   */
  step?: string;
}

const MAX_ATTEMPTS = 3;

/**
 * Load → fold → decide → append with the exact expected revision; on a concurrent write, start over
 * from load (a fresh decision on fresh state), at most three times, then answer 409.
 */
export async function handle<S, E extends DomainEvent>(
  deps: HandlerDeps,
  streamId: string,
  decider: Decider<S, E>,
  decide: (state: S) => E[],
  ctx: CommandContext,
  options: HandleOptions = {},
): Promise<Handled<S>> {
  for (let attempt = 1; ; attempt += 1) {
    const loaded = attempt === 1 && (options.newStream || options.history)
      ? foldHistory(decider, options.history ?? []) : await loadStream(deps, streamId, decider, ctx.idempotencyKey !== undefined);
    const { state, revision, history } = loaded;
    // A retried command (same idempotency key) finds its own events already in the stream: it is done.
    const key = ctx.idempotencyKey === undefined ? undefined : stepKey(ctx.idempotencyKey, options.step);
    const retried = key ? alreadyAppended(history, key, streamId) : null;
    if (retried) return { state, appended: [], revision, position: retried.position, lastEventId: retried.metadata.eventId };
    const decided = decide(state);
    if (decided.length === 0) {
      const last = history[history.length - 1];
      return { state, appended: [], revision, position: last?.position ?? 0, lastEventId: last?.metadata.eventId ?? null };
    }
    const toAppend = decided.map((event, index) => envelope(deps, streamId, event, ctx, key, index));
    try {
      const result = await deps.events.append(streamId, toAppend, expectedFor(revision));
      const appended = recorded(streamId, toAppend, result);
      const after = { state: decided.reduce(decider.evolve, state), revision: result.nextRevision, eventId: toAppend[toAppend.length - 1].metadata.eventId };
      await saveSnapshotIfDue(deps, streamId, decider.snapshot, loaded, after, toAppend.length);
      return { state: after.state, appended, revision: after.revision, position: result.position, lastEventId: after.eventId };
    } catch (error) {
      if (!(error instanceof ConcurrencyError)) throw error;
      deps.onConflict?.(streamId);
      if (attempt >= MAX_ATTEMPTS) throw tooManyConflicts();
    }
  }
}

const expectedFor = (revision: number): ExpectedRevision => (revision === -1 ? 'no_stream' : revision);
const tooManyConflicts = () => new Conflict('concurrent_modification', 'Someone else changed this at the same moment; please retry.');

/** The events as the store now holds them. */
function recorded(streamId: string, toAppend: EventToAppend[], result: AppendResult): RecordedEvent[] {
  return toAppend.map((e, index): RecordedEvent => ({
    streamId,
    revision: result.nextRevision - toAppend.length + 1 + index,
    position: result.positions[index],
    type: e.type,
    data: e.data,
    metadata: { ...e.metadata, hash: '' },
  }));
}

/** One stream's part of a decision over several streams: `revision` is what it was decided on (-1: no stream). */
export interface StreamWrite {
  streamId: string;
  revision: number;
  events: EventToAppend[];
}

/** Whether the store can append several streams in one atomic write (see `handleTogether`). */
export const canAppendTogether = (deps: HandlerDeps): boolean => deps.events.appendMany !== undefined;

/** Envelopes for events a command decided on `streamId` (ids from `deps.ids`: no Idempotency-Key). */
export function envelopes(deps: HandlerDeps, streamId: string, events: readonly DomainEvent[], ctx: CommandContext): EventToAppend[] {
  return events.map((event, index) => envelope(deps, streamId, event, { ...ctx, idempotencyKey: undefined }, undefined, index));
}

/**
 * A command that writes several streams as one decision: `attempt` reads, decides and returns each
 * stream's write, which are appended atomically, each under its exact expected revision, in one
 * commit. On a concurrent write to any of them nothing was written, and the command starts over from
 * `attempt` (fresh reads, a fresh decision), at most three times, then answers 409. Only for stores
 * with `appendMany` (see `canAppendTogether`).
 */
export async function handleTogether<T>(
  deps: HandlerDeps,
  attempt: () => Promise<{ writes: StreamWrite[]; result: (appended: RecordedEvent[][]) => T }>,
): Promise<T> {
  const appendMany = deps.events.appendMany?.bind(deps.events);
  if (!appendMany) throw new TypeError('handleTogether needs an event store with appendMany');
  for (let n = 1; ; n += 1) {
    const { writes, result } = await attempt();
    const parts = writes.filter((w) => w.events.length > 0);
    try {
      const results = await appendMany(parts.map((w) => ({ streamId: w.streamId, events: w.events, expected: expectedFor(w.revision) })));
      const byStream = new Map(parts.map((w, i) => [w.streamId, recorded(w.streamId, w.events, results[i])]));
      return result(writes.map((w) => byStream.get(w.streamId) ?? []));
    } catch (error) {
      if (!(error instanceof ConcurrencyError)) throw error;
      deps.onConflict?.(error.streamId);
      if (n >= MAX_ATTEMPTS) throw tooManyConflicts();
    }
  }
}

/** The last event of an earlier append made under `key`, if the stream holds one (ids 0, 1, … follow each other). */
function alreadyAppended(history: readonly RecordedEvent[], key: string, streamId: string): RecordedEvent | null {
  const first = history.findIndex((e) => e.metadata.eventId === deterministicId(key, streamId, 0));
  if (first === -1) return null;
  let last = first;
  while (history[last + 1]?.metadata.eventId === deterministicId(key, streamId, last + 1 - first)) last += 1;
  return history[last];
}

function envelope(deps: HandlerDeps, streamId: string, event: DomainEvent, ctx: CommandContext, key: string | undefined, index: number): EventToAppend {
  return {
    type: event.type,
    data: event.data,
    metadata: {
      eventId: key ? deterministicId(key, streamId, index) : deps.ids.next(),
      actor: ctx.actor,
      correlationId: ctx.correlationId,
      causationId: ctx.causationId ?? null,
      recordedAt: deps.clock.now().toISOString(),
      schemaVersion: schemaVersionOf(event.type),
    },
  };
}

const stepKey = (key: string, step: string | undefined): string => (step === undefined ? key : `${key}\u0000step:${step}`);

/**
 * The context for a nested command that one command runs as one of its steps (payments confirming
 * the booking, say): the nested command's own steps derive from this step's key, never the parent's.
 */
export function step(ctx: CommandContext, name: string): CommandContext {
  return ctx.idempotencyKey ? { ...ctx, idempotencyKey: `${ctx.idempotencyKey}:${name}` } : ctx;
}

/** A UUID-shaped id derived from (key, stream, index): the same command retried yields the same ids. */
export function deterministicId(key: string, streamId: string, index: number): string {
  const h = createHash('sha256').update(`${key}\u0000${streamId}\u0000${index}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
