/**
 * The read store port: JSON documents in named collections, written only by projections.
 * The filter language is a strict subset of MongoDB's, so the Mongo adapter passes it through.
 */
export type Scalar = string | number | boolean | null;

export type FieldCondition =
  | Scalar
  | { $in: Scalar[] }
  | { $ne: Scalar }
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

export interface ReadStore {
  ensureCollections(specs: CollectionSpec[]): Promise<void>;
  /**
   * Applies writes caused by the event at `position`. A document whose recorded position is at or
   * above `position` is left alone, which makes replays and competing projectors harmless.
   * `set` merges top-level fields (upserting the document).
   */
  apply(writes: Write[], position: number): Promise<void>;
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
