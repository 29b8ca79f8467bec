/** What a decider emits: a past-tense fact with its payload. Metadata is added by the application. */
export interface DomainEvent<T extends string = string, D = unknown> {
  type: T;
  data: D;
}

/** Who caused an event. `system` is used by reactors and scheduled jobs. */
export type Role = 'patient' | 'doctor' | 'admin' | 'auditor' | 'system';

export interface Actor {
  userId: string;
  role: Role;
}

export const systemActor: Actor = { userId: 'system', role: 'system' };

/** The decider pattern: a state machine over one stream, pure and I/O-free. */
export interface Decider<S, E extends DomainEvent> {
  initialState: S;
  evolve: (state: S, event: E) => S;
  /** Opt-in for streams that grow without bound: the command handler snapshots the folded state. */
  snapshot?: SnapshotPolicy<S>;
}

export interface SnapshotPolicy<S = unknown> {
  /** A new snapshot once at least this many events were appended since the last one. */
  every: number;
  /** Version of the state's shape: bump it whenever `evolve` or the state changes, and old snapshots are ignored. */
  schema: number;
  /**
   * Whose personal data the state holds. When set, a snapshot is only ever stored sealed with that
   * person's key, so erasing the key makes it unreadable like their events; with no owner (null) or
   * no key, none is stored.
   */
  owner?: (state: S) => string | null;
}

export function fold<S, E extends DomainEvent>(decider: Decider<S, E>, events: readonly E[]): S {
  return events.reduce(decider.evolve, decider.initialState);
}
