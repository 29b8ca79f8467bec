import { STORED_HASH, type EventMetadata, type RecordedEvent } from '../../application/ports/eventStore.js';

/** The columns of a just-committed event as the SQLite store wrote them. */
export interface CommittedRow {
  position: number;
  stream_id: string;
  revision: number;
  type: string;
  data: string;
  metadata: string;
  hash: string;
}

const PAYLOAD = Symbol('payload');

interface Payload {
  row: CommittedRow;
  parsedData: boolean;
  data?: unknown;
  metadata?: EventMetadata;
}

type LiveEvent = RecordedEvent & { readonly [PAYLOAD]: Payload };

/**
 * Shared by every instance (own, enumerable accessors, so spreading, JSON.stringify and equality see
 * plain fields), which keeps one hidden class for all live events.
 */
const lazyFields: PropertyDescriptorMap = {
  data: {
    enumerable: true,
    get(this: LiveEvent) {
      const payload = this[PAYLOAD];
      if (!payload.parsedData) {
        payload.data = deepFreeze(JSON.parse(payload.row.data));
        payload.parsedData = true;
      }
      return payload.data;
    },
  },
  metadata: {
    enumerable: true,
    get(this: LiveEvent) {
      const payload = this[PAYLOAD];
      if (!payload.metadata) {
        // The hash lives in its own column: the metadata text is stored exactly as it was hashed.
        const metadata = JSON.parse(payload.row.metadata) as EventMetadata;
        metadata.hash = payload.row.hash;
        payload.metadata = deepFreeze(metadata);
      }
      return payload.metadata;
    },
  },
  // Not enumerable: not a field of the event, only a way to its hash without parsing the metadata.
  [STORED_HASH]: {
    get(this: LiveEvent) {
      return this[PAYLOAD].row.hash;
    },
  },
};

/**
 * A committed event for live subscribers, whose data and metadata are parsed on first read (once,
 * for every subscriber that shares it): a subscriber that skips the event's type, or needs only where
 * it sits and its stored hash (the ledger), does not pay for parsing it. Frozen, so a handler that
 * mutates an event fails loudly.
 */
export function liveEvent(row: CommittedRow): RecordedEvent {
  const event = { streamId: row.stream_id, revision: row.revision, position: row.position, type: row.type };
  Object.defineProperty(event, PAYLOAD, { value: { row, parsedData: false } satisfies Payload });
  return Object.freeze(Object.defineProperties(event, lazyFields)) as RecordedEvent;
}

/** For parsed JSON (no cycles, nothing inherited): for…in spares the array Object.values makes per object. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key in value) deepFreeze(value[key]);
  }
  return value;
}
