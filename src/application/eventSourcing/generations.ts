import type { CollectionSpec, Document, EventWrites, Filter, FindOptions, ReadStore, Write } from '../ports/readStore.js';

/** Where each projection's live generation is recorded: one document per projection, swapped in one write. */
const GENERATIONS = 'projection_generations';

interface GenerationDoc extends Document {
  generation: number;
}

/** A generation's collection: generation 0 keeps the plain name, so a store from before generations reads on. */
export const physicalName = (collection: string, generation: number): string => (generation === 0 ? collection : `${collection}_g${generation}`);

/** A generation's checkpoint, named like its collections. */
export const checkpointName = (projection: string, generation: number): string => (generation === 0 ? projection : `${projection}_g${generation}`);

/**
 * The read store as queries see it: a projection's collections by their plain names, routed to the
 * projection's live generation. A rebuild writes the next generation aside and then moves the pointer
 * (`swap`), one document write, so readers switch from a complete old generation to a complete new
 * one. Other instances see the move at their next `refresh`. Collections no projection declares
 * (receipts, parked events) pass through unchanged.
 */
export class GenerationRouting implements ReadStore {
  private readonly ownerOf = new Map<string, string>();
  private readonly live = new Map<string, number>();
  private ensured = false;

  constructor(readonly store: ReadStore) {}

  /** Declares a projection's collections; a collection belongs to one projection only. */
  register(projection: string, collections: readonly CollectionSpec[]): void {
    for (const { name } of collections) {
      const other = this.ownerOf.get(name);
      if (other && other !== projection) throw new Error(`collection ${name} is declared by both ${other} and ${projection}`);
      this.ownerOf.set(name, projection);
    }
  }

  generationOf(projection: string): number {
    return this.live.get(projection) ?? 0;
  }

  /** Re-reads the pointers; answers the projections whose live generation moved. */
  async refresh(): Promise<string[]> {
    if (!this.ensured) await this.store.ensureCollections([{ name: GENERATIONS }]);
    this.ensured = true;
    const moved: string[] = [];
    for (const doc of await this.store.find<GenerationDoc>(GENERATIONS)) {
      if (this.generationOf(doc.id) !== doc.generation) moved.push(doc.id);
      this.live.set(doc.id, doc.generation);
    }
    return moved;
  }

  /** Makes `generation` the one readers see. Generations only grow, so the write's position guard refuses going back. */
  async swap(projection: string, generation: number): Promise<void> {
    await this.refresh();
    await this.store.apply([{ collection: GENERATIONS, id: projection, set: { generation } }], generation);
    this.live.set(projection, generation);
  }

  /** The physical name of a collection in its projection's live generation. */
  route(collection: string): string {
    const projection = this.ownerOf.get(collection);
    return projection === undefined ? collection : physicalName(collection, this.generationOf(projection));
  }

  private routeWrite(write: Write): Write {
    return { ...write, collection: this.route(write.collection) };
  }

  ensureCollections(specs: CollectionSpec[]): Promise<void> {
    return this.store.ensureCollections(specs.map((spec) => ({ ...spec, name: this.route(spec.name) })));
  }

  apply(writes: Write[], position: number): Promise<void> {
    return this.store.apply(writes.map((w) => this.routeWrite(w)), position);
  }

  applyInOrder(batch: EventWrites[]): Promise<void> {
    return this.store.applyInOrder(batch.map((b) => ({ ...b, writes: b.writes.map((w) => this.routeWrite(w)) })));
  }

  get<T extends Document = Document>(collection: string, id: string): Promise<T | null> {
    return this.store.get<T>(this.route(collection), id);
  }

  find<T extends Document = Document>(collection: string, filter?: Filter, options?: FindOptions): Promise<T[]> {
    return this.store.find<T>(this.route(collection), filter, options);
  }

  count(collection: string, filter?: Filter): Promise<number> {
    return this.store.count(this.route(collection), filter);
  }

  getCheckpoint(projection: string): Promise<number | null> {
    return this.store.getCheckpoint(projection);
  }

  setCheckpoint(projection: string, position: number): Promise<void> {
    return this.store.setCheckpoint(projection, position);
  }

  drop(collections: string[], projection: string): Promise<void> {
    return this.store.drop(collections, projection);
  }

  ping(): Promise<void> {
    return this.store.ping();
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
