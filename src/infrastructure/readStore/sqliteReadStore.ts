import type Database from 'better-sqlite3';
import type {
  CollectionSpec, Document, EventWrites, Filter, FindOptions, ReadStore, Scalar, Write,
} from '../../application/ports/readStore.js';
import { InvalidQuery } from '../../application/ports/readStore.js';
import { netWrites, type NetWrite } from './netWrites.js';
import { checkCollection, checkLookupId, checkPath, parseFilter, parseFindOptions, type Condition } from './readStoreQuery.js';

/** Distinct SQL texts vary only with filter shape; the cap bounds memory if shapes are generated. */
const STATEMENT_CACHE_SIZE = 500;

interface Row {
  id: string;
  doc: string;
}

interface Compiled {
  sql: string;
  params: Array<string | number>;
}

/**
 * Read models in the embedded profile's SQLite file: one table `rm_<collection>` per collection
 * (`id`, the JSON `doc` without its id, and the `position` of the event that last wrote it) and
 * `projection_checkpoints`. Declared indexes are expression indexes on `json_extract(doc, '$.path')`,
 * and queries use the very same expressions so the planner can use them. Field paths are validated
 * and inlined (index expressions must be constants); every value is a bound parameter.
 *
 * The connection is shared with the event store and jobs, so `close()` leaves it open.
 */
export class SqliteReadStore implements ReadStore {
  private readonly statements = new Map<string, Database.Statement>();
  private readonly tables = new Set<string>();
  private readonly applyAll: (batch: Array<{ net: NetWrite[]; position: number }>) => void;

  constructor(private readonly db: Database.Database) {
    db.exec('CREATE TABLE IF NOT EXISTS projection_checkpoints (projection TEXT PRIMARY KEY, position INTEGER NOT NULL)');
    this.applyAll = db.transaction((batch: Array<{ net: NetWrite[]; position: number }>) => {
      for (const { net, position } of batch) for (const write of net) this.applyOne(write, position);
    }).immediate;
  }

  async ensureCollections(specs: CollectionSpec[]): Promise<void> {
    for (const spec of specs) {
      const table = this.table(spec.name);
      for (const index of spec.indexes ?? []) {
        if (index.fields.length === 0) throw new InvalidQuery(`index on ${spec.name}: no fields`);
        const paths = index.fields.map(checkPath);
        const name = `${table.slice(1, -1)}__${paths.join('__')}${index.unique ? '__unique' : ''}`;
        this.db.exec(`CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS "${name}" ON ${table} (${paths.map(valueOf).join(', ')})`);
      }
    }
  }

  async apply(writes: Write[], position: number): Promise<void> {
    return this.applyInOrder([{ writes, position }]);
  }

  async applyInOrder(batch: EventWrites[]): Promise<void> {
    const nets = batch.map(({ writes, position }) => {
      if (!Number.isFinite(position)) throw new InvalidQuery('the position of a write must be a finite number');
      return { net: netWrites(writes), position };
    });
    // Tables are created outside the transaction: a rollback must not leave `tables` claiming one exists.
    for (const { net } of nets) for (const write of net) this.table(write.collection);
    this.applyAll(nets);
  }

  private applyOne(write: NetWrite, position: number): void {
    const table = this.table(write.collection);
    const current = this.statement(`SELECT doc, position FROM ${table} WHERE id = ?`)
      .get(write.id) as { doc: string; position: number } | undefined;
    if (current && current.position >= position) return;
    if (write.kind === 'delete') {
      if (current) this.statement(`DELETE FROM ${table} WHERE id = ?`).run(write.id);
      return;
    }
    const doc = write.kind === 'merge' && current
      ? { ...(JSON.parse(current.doc) as Record<string, unknown>), ...write.fields }
      : write.fields;
    this.statement(`INSERT INTO ${table} (id, doc, position) VALUES (?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, position = excluded.position`)
      .run(write.id, JSON.stringify(doc), position);
  }

  async get<T extends Document = Document>(collection: string, id: string): Promise<T | null> {
    const row = this.statement(`SELECT id, doc FROM ${this.table(collection)} WHERE id = ?`).get(checkLookupId(id)) as Row | undefined;
    return row ? toDocument<T>(row) : null;
  }

  async find<T extends Document = Document>(collection: string, filter?: Filter, options?: FindOptions): Promise<T[]> {
    const table = this.table(collection);
    const where = compileFilter(filter);
    const { sort, skip, limit } = parseFindOptions(options);
    if (limit === 0) return [];
    const orderBy = sort.map((k) => `${valueOf(k.path)} ${k.direction === 1 ? 'ASC' : 'DESC'}`).join(', ');
    const rows = this.statement(`SELECT id, doc FROM ${table}${where.sql} ORDER BY ${orderBy} LIMIT ? OFFSET ?`)
      .all(...where.params, limit ?? -1, skip) as Row[];
    return rows.map((row) => toDocument<T>(row));
  }

  async count(collection: string, filter?: Filter): Promise<number> {
    const where = compileFilter(filter);
    const row = this.statement(`SELECT count(*) AS n FROM ${this.table(collection)}${where.sql}`).get(...where.params) as { n: number };
    return row.n;
  }

  async getCheckpoint(projection: string): Promise<number | null> {
    const row = this.statement('SELECT position FROM projection_checkpoints WHERE projection = ?')
      .get(projection) as { position: number } | undefined;
    return row ? row.position : null;
  }

  async setCheckpoint(projection: string, position: number): Promise<void> {
    this.statement(`INSERT INTO projection_checkpoints (projection, position) VALUES (?, ?)
      ON CONFLICT (projection) DO UPDATE SET position = excluded.position`).run(projection, position);
  }

  async drop(collections: string[], projection: string): Promise<void> {
    const tables = collections.map((c) => this.table(c));
    this.db.transaction(() => {
      for (const table of tables) this.statement(`DELETE FROM ${table}`).run();
      this.statement('DELETE FROM projection_checkpoints WHERE projection = ?').run(projection);
    }).immediate();
  }

  async ping(): Promise<void> {
    this.statement('SELECT 1').get();
  }

  async close(): Promise<void> {
    this.statements.clear();
  }

  /** The quoted table of a collection, created on first use: projections may read a collection before its owner starts. */
  private table(collection: string): string {
    const table = `"rm_${checkCollection(collection)}"`;
    if (!this.tables.has(table)) {
      this.db.exec(`CREATE TABLE IF NOT EXISTS ${table} (id TEXT PRIMARY KEY, doc TEXT NOT NULL, position INTEGER NOT NULL)`);
      this.tables.add(table);
    }
    return table;
  }

  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (statement) {
      // Re-inserting keeps the map in least-recently-used order for eviction.
      this.statements.delete(sql);
    } else {
      statement = this.db.prepare(sql);
      if (this.statements.size >= STATEMENT_CACHE_SIZE) this.statements.delete(this.statements.keys().next().value as string);
    }
    this.statements.set(sql, statement);
    return statement;
  }
}

function toDocument<T extends Document>(row: Row): T {
  return { id: row.id, ...(JSON.parse(row.doc) as Record<string, unknown>) } as T;
}

/** The SQL value of a validated path: the id column, or the exact expression declared indexes use. */
function valueOf(path: string): string {
  return path === 'id' ? 'id' : `json_extract(doc, '$.${path}')`;
}

/** The JSON type of a path ('true', 'false', 'integer', 'real', 'text', ...; NULL when missing). */
function typeOf(path: string): string {
  return path === 'id' ? `'text'` : `json_type(doc, '$.${path}')`;
}

/**
 * json_extract turns JSON true/false into 1/0 and compares numbers with text by storage class, so
 * each comparison also checks the JSON type: `true` must not match 1, nor `$gt: 5` match a string.
 */
function typeGuard(path: string, value: string | number | boolean): string {
  if (typeof value === 'string') return `${typeOf(path)} = 'text'`;
  if (typeof value === 'number') return `${typeOf(path)} IN ('integer', 'real')`;
  return `${typeOf(path)} = '${value ? 'true' : 'false'}'`;
}

function bindable(value: string | number | boolean): string | number {
  return typeof value === 'boolean' ? Number(value) : value;
}

function equals(path: string, value: Scalar, params: Array<string | number>): string {
  if (value === null) return `${valueOf(path)} IS NULL`;
  params.push(bindable(value));
  return `(${valueOf(path)} = ? AND ${typeGuard(path, value)})`;
}

function oneOf(path: string, values: Scalar[], params: Array<string | number>): string {
  if (values.length === 0) return '0';
  const alternatives: string[] = [];
  if (values.includes(null)) alternatives.push(`${valueOf(path)} IS NULL`);
  for (const kind of ['string', 'number', 'boolean'] as const) {
    const ofKind = [...new Set(values.filter((v): v is string | number | boolean => typeof v === kind))];
    if (ofKind.length === 0) continue;
    params.push(...ofKind.map(bindable));
    // Booleans of one truth value share a type; both values need the type check per value.
    const guard = kind === 'boolean' ? `${typeOf(path)} IN ('true', 'false')` : typeGuard(path, ofKind[0]);
    alternatives.push(`(${valueOf(path)} IN (${ofKind.map(() => '?').join(', ')}) AND ${guard})`);
  }
  return `(${alternatives.join(' OR ')})`;
}

const COMPARISON_SQL = { $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' } as const;

function condition(c: Condition, params: Array<string | number>): string {
  switch (c.op) {
    case '$eq':
      return equals(c.path, c.value, params);
    case '$ne':
      // A missing field differs from every value; COALESCE turns the unknown comparison into a match.
      return c.value === null ? `${valueOf(c.path)} IS NOT NULL` : `NOT COALESCE(${equals(c.path, c.value, params)}, 0)`;
    case '$in':
      return oneOf(c.path, c.value, params);
    case '$contains':
      // instr() takes the text literally (no LIKE wildcards to escape); lower() folds ASCII only, as the port says.
      params.push(c.value);
      return `(instr(lower(${valueOf(c.path)}), lower(?)) > 0 AND ${typeGuard(c.path, c.value)})`;
    default:
      params.push(c.value);
      return `(${valueOf(c.path)} ${COMPARISON_SQL[c.op]} ? AND ${typeGuard(c.path, c.value)})`;
  }
}

function compileFilter(filter: Filter | undefined): Compiled {
  const params: Array<string | number> = [];
  const conditions = parseFilter(filter).map((c) => condition(c, params));
  return { sql: conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`, params };
}
