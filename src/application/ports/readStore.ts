import { Invalid } from '../../domain/shared/errors.js';

/**
 * The read store port: JSON documents in named collections, written only by projections.
 * The filter language is modelled on MongoDB's (plus `$contains`, which the Mongo adapter turns into
 * an escaped regex); adapters rebuild it from a validated form rather than forwarding it.
 *
 * Semantics every adapter keeps (checked by tests/contract/readStore.contract.ts):
 * - Names: collections match /^[A-Za-z][A-Za-z0-9_]{0,62}$/; field paths are dot-separated segments
 *   matching /^[A-Za-z_][A-Za-z0-9_]*$/ (`_id`, `_position` and `__proto__` are reserved). Anything
 *   else, an unknown `$operator`, an object or array used as a value, or a non-finite number is
 *   rejected with `InvalidQuery` (a 400), never interpolated.
 * - `id` is the document key: filter and sort on it like any field; `set.id` may only repeat it.
 * - Equality and `$in` are type-strict (`true` does not match `1`, `'5'` does not match `5`).
 *   `null` matches a null or missing field, and `$ne: v` matches missing fields too (as in MongoDB).
 * - `$gt/$gte/$lt/$lte` take a number or a string and only match fields of that type.
 * - `$contains: text` matches string fields holding `text` as a substring, case-insensitively for
 *   ASCII letters only (SQLite's lower() folds A-Z alone, so `É` does not match `é`: every adapter
 *   folds the same). The text is a literal: `%`, `_`, `\`, `.`, `*` and the like mean themselves.
 *   It must be a non-empty string of at most 256 characters. No index serves it: it scans what the
 *   other conditions leave.
 * - Arrays are stored and returned, but filtering on array contents is not part of the language.
 * - Sorting: missing/null first ascending; mixing types in one sorted field is unspecified.
 *   `id` ascending is always the final tie-breaker, so paging with skip/limit is stable.
 * - `limit: 0` returns no documents. `undefined` values in `set` are ignored (the field is untouched).
 * - A delete leaves no tombstone: an older write applied after it recreates the document.
 * - Unique indexes: a violating `apply` rejects and the violating write is not made. SQLite rolls
 *   back the whole batch; MongoDB may have made the batch's other writes, which a retry then skips.
 *   SQLite lets any number of documents lack (or null) a unique field; MongoDB allows one.
 */
export type Scalar = string | number | boolean | null;

export type FieldCondition =
  | Scalar
  | { $in: Scalar[] }
  | { $ne: Scalar }
  | { $contains: string }
  | { $gt?: Scalar; $gte?: Scalar; $lt?: Scalar; $lte?: Scalar };

/** Top-level or dotted field paths; all conditions are ANDed. */
export type Filter = Record<string, FieldCondition>;

export interface FindOptions {
  sort?: Record<string, 1 | -1>;
  skip?: number;
  limit?: number;
}

export type Document = Record<string, unknown> & { id: string };

export interface IndexSpec {
  fields: string[];
  unique?: boolean;
}

export interface CollectionSpec {
  name: string;
  indexes?: IndexSpec[];
}

/** One change a projection wants; guarded by the position of the event that caused it. */
export type Write =
  | { collection: string; id: string; set: Record<string, unknown> }
  | { collection: string; id: string; delete: true };

/** The writes one event causes, for `applyInOrder`. */
export interface EventWrites {
  writes: Write[];
  position: number;
}

/** A filter, sort, write or name the read store refuses to run. */
export class InvalidQuery extends Invalid {
  constructor(message: string) {
    super('invalid_query', message);
  }
}

export interface ReadStore {
  ensureCollections(specs: CollectionSpec[]): Promise<void>;
  /**
   * Applies writes caused by the event at `position`. A document whose recorded position is at or
   * above `position` is left alone, which makes replays and competing projectors harmless.
   * `set` merges top-level fields (upserting the document).
   */
  apply(writes: Write[], position: number): Promise<void>;
  /**
   * Applies several events' writes in order, each exactly as `apply` would. SQLite commits them
   * together (a projection catching up on a run of events pays for one commit, not one each); if it
   * fails, a retry of the same run completes it.
   */
  applyInOrder(batch: EventWrites[]): Promise<void>;
  get<T extends Document = Document>(collection: string, id: string): Promise<T | null>;
  find<T extends Document = Document>(collection: string, filter?: Filter, options?: FindOptions): Promise<T[]>;
  count(collection: string, filter?: Filter): Promise<number>;
  getCheckpoint(projection: string): Promise<number | null>;
  setCheckpoint(projection: string, position: number): Promise<void>;
  /** Empties the collections and the checkpoint, for a rebuild. */
  drop(collections: string[], projection: string): Promise<void>;
  /** Cheap round trip for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
