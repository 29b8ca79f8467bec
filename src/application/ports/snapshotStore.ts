/**
 * A cache of folded stream states, so a command on a long stream reads only the events after the
 * snapshot. Losing or ignoring a snapshot costs a full read, never correctness: the event stream stays
 * the truth, and the command handler checks a snapshot against it before using it.
 */
export interface Snapshot {
  /** Revision of the last event folded into `state`. */
  revision: number;
  /** Id of that event: tells a snapshot of this stream from one of an older or restored copy. */
  eventId: string;
  /** Version of the state's shape (the decider's); a snapshot of another shape is ignored. */
  schema: number;
  /** The folded state, JSON-serialisable. */
  state: unknown;
}

export interface SnapshotStore {
  /** The newest snapshot of the stream, or null. */
  load(streamId: string): Promise<Snapshot | null>;
  /** Keeps only the newest: a snapshot at a revision below the stored one is dropped. */
  save(streamId: string, snapshot: Snapshot): Promise<void>;
}
