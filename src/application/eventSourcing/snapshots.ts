import type { Decider, DomainEvent, SnapshotPolicy } from '../../domain/shared/event.js';
import type { EventStore, RecordedEvent } from '../ports/eventStore.js';
import type { PersonalDataKeys } from '../ports/personalDataKeys.js';
import type { Snapshot, SnapshotStore } from '../ports/snapshotStore.js';
import { isSealed, seal, unseal } from '../personalData/fieldCipher.js';

/** A stream as a command sees it: the folded state and the events read to get there. */
export interface LoadedStream<S> {
  state: S;
  /** -1 when the stream does not exist. */
  revision: number;
  /** The events read, oldest first; with a snapshot, only the last ones (see `loadStream`). */
  history: readonly RecordedEvent[];
  /** Revision the last good snapshot covers (-1: none), to know when the next one is due. */
  snapshotRevision: number;
}

export interface SnapshotDeps {
  events: EventStore;
  snapshots?: SnapshotStore;
  /**
   * Seals the snapshots of states holding personal data (`SnapshotPolicy.owner`) with their owner's
   * key; absent, such streams are never snapshotted.
   */
  personalData?: PersonalDataKeys;
  /** A snapshot that could not be read or saved: the command goes on without it. */
  onSnapshotFailed?: (streamId: string, error: unknown) => void;
}

export function foldHistory<S, E extends DomainEvent>(decider: Decider<S, E>, history: readonly RecordedEvent[]): LoadedStream<S> {
  const state = history.reduce((s, e) => decider.evolve(s, e as unknown as E), decider.initialState);
  return { state, revision: history.length - 1, history, snapshotRevision: -1 };
}

/**
 * Reads a stream and folds it, from its snapshot when the decider opts in and a good one exists. The
 * read starts at the snapshot's own revision, so the store proves the snapshot is of this stream (the
 * event there has the snapshot's event id); anything else (another schema, a snapshot ahead of a
 * restored stream, a garbled row) is ignored and the whole stream is read. With an Idempotency-Key,
 * `every` events before the snapshot are read too, so a retried command still finds its own events.
 * A personal snapshot that cannot be opened (its owner's key erased) is ignored the same way: the
 * full read then shows the person as forgotten, as their events do.
 */
export async function loadStream<S, E extends DomainEvent>(
  deps: SnapshotDeps, streamId: string, decider: Decider<S, E>, withRetryWindow: boolean,
): Promise<LoadedStream<S>> {
  const policy = decider.snapshot;
  const snapshot = policy && deps.snapshots ? await usableSnapshot(deps.snapshots, deps, streamId, policy) : null;
  if (!policy || !snapshot) return foldHistory(decider, await deps.events.readStream(streamId));
  const from = withRetryWindow ? Math.max(0, snapshot.revision - policy.every) : snapshot.revision;
  const history = await deps.events.readStream(streamId, { from });
  const at = history.findIndex((e) => e.revision === snapshot.revision);
  if (at === -1 || history[at].metadata.eventId !== snapshot.eventId) {
    return foldHistory(decider, await deps.events.readStream(streamId));
  }
  const tail = history.slice(at + 1);
  const state = tail.reduce((s, e) => decider.evolve(s, e as unknown as E), snapshot.state as S);
  return { state, revision: history[history.length - 1].revision, history, snapshotRevision: snapshot.revision };
}

async function usableSnapshot<S>(store: SnapshotStore, deps: SnapshotDeps, streamId: string, policy: SnapshotPolicy<S>): Promise<Snapshot | null> {
  try {
    const snapshot = await store.load(streamId);
    const wellFormed = snapshot !== null && snapshot.schema === policy.schema && Number.isInteger(snapshot.revision)
      && snapshot.revision >= 0 && typeof snapshot.eventId === 'string' && typeof snapshot.state === 'object' && snapshot.state !== null;
    if (!wellFormed) return null;
    if (!policy.owner) return snapshot;
    const state = await opened(deps, snapshot);
    return typeof state === 'object' && state !== null ? { ...snapshot, state } : null;
  } catch (error) {
    deps.onSnapshotFailed?.(streamId, error);
    return null;
  }
}

/**
 * A personal snapshot's state is sealed as one field under the snapshot's event id: the AAD binds it
 * to that event (which `loadStream` checks is in this stream), so it cannot be passed off as another's.
 */
const SNAPSHOT_PATH = 'snapshot';

/** The state of a personal snapshot, or undefined when it cannot be opened (no key, erased, damaged, not sealed). */
async function opened(deps: SnapshotDeps, snapshot: Snapshot): Promise<unknown> {
  if (!deps.personalData || !isSealed(snapshot.state)) return undefined;
  const keys = await deps.personalData.keysOf([snapshot.state.by]);
  return unseal(keys.get(snapshot.state.by), snapshot.state, snapshot.eventId);
}

/** The state as it may be stored: sealed when it holds someone's personal data; null when it may not be stored (no key). */
async function storable<S>(deps: SnapshotDeps, policy: SnapshotPolicy<S>, state: S, eventId: string): Promise<unknown> {
  if (!policy.owner) return state;
  const owner = policy.owner(state);
  if (owner === null || !deps.personalData) return null;
  const key = await deps.personalData.keyFor(owner);
  return key ? seal(key, owner, eventId, SNAPSHOT_PATH, state) : null;
}

/**
 * After an append: a new snapshot when `every` events have passed since the last. Only when the events
 * went on top of the state they were decided on: a store that recognised a retry and wrote nothing
 * answers an older revision, where `after.state` does not belong. Never throws.
 */
export async function saveSnapshotIfDue<S>(
  deps: SnapshotDeps, streamId: string, policy: SnapshotPolicy<S> | undefined,
  before: LoadedStream<S>, after: { state: S; revision: number; eventId: string }, appendedCount: number,
): Promise<void> {
  if (!policy || !deps.snapshots || after.revision !== before.revision + appendedCount) return;
  if (after.revision - before.snapshotRevision < policy.every) return;
  try {
    const state = await storable(deps, policy, after.state, after.eventId);
    if (state !== null) await deps.snapshots.save(streamId, { revision: after.revision, eventId: after.eventId, schema: policy.schema, state });
  } catch (error) {
    deps.onSnapshotFailed?.(streamId, error);
  }
}
