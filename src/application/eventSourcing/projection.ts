import type { RecordedEvent } from '../ports/eventStore.js';
import type { CollectionSpec, ReadStore, Write } from '../ports/readStore.js';

/** What a projection may read while deciding its writes (its own or other read models). */
export type ReadView = Pick<ReadStore, 'get' | 'find' | 'count'>;

/**
 * A projection is a mapping from events to document writes plus a name for its checkpoint.
 * It must be deterministic: a rebuild replays the same events into the same documents.
 */
export interface Projection {
  name: string;
  collections: CollectionSpec[];
  handles: readonly string[];
  apply(event: RecordedEvent, read: ReadView): Write[] | Promise<Write[]>;
}
