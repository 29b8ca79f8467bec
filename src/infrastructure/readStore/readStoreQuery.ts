import { InvalidQuery, type Filter, type FindOptions, type Scalar } from '../../application/ports/readStore.js';

/**
 * Validation of names, filters and find options shared by both read store adapters, so they accept
 * and refuse exactly the same inputs. Everything that reaches SQL text or a Mongo query passes here.
 */

const COLLECTION_NAME = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;
const FIELD_SEGMENT = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const MAX_PATH_SEGMENTS = 8;
const RESERVED_FIELDS = new Set(['_id', '_position', '__proto__']);
const MAX_ID_LENGTH = 512;
/** Bounds the text of `$contains`, which MongoDB receives as a regex several times its length. */
const MAX_CONTAINS_LENGTH = 256;

export type ComparisonOperator = '$gt' | '$gte' | '$lt' | '$lte';

/** One validated condition; a filter is the AND of its conditions. */
export type Condition =
  | { path: string; op: '$eq' | '$ne'; value: Scalar }
  | { path: string; op: '$in'; value: Scalar[] }
  | { path: string; op: '$contains'; value: string }
  | { path: string; op: ComparisonOperator; value: string | number };

export interface SortKey {
  path: string;
  direction: 1 | -1;
}

export interface ParsedFindOptions {
  sort: SortKey[];
  skip: number;
  limit: number | null;
}

const COMPARISONS: readonly string[] = ['$gt', '$gte', '$lt', '$lte'];

export function checkCollection(name: unknown): string {
  if (typeof name !== 'string' || !COLLECTION_NAME.test(name)) {
    throw new InvalidQuery(`invalid collection name ${JSON.stringify(name)}: use letters, digits and _ (start with a letter)`);
  }
  return name;
}

export function checkId(id: unknown): string {
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) {
    throw new InvalidQuery(`document ids are non-empty strings of at most ${MAX_ID_LENGTH} characters`);
  }
  return id;
}

/**
 * The id asked for by `get`. A non-string is refused rather than answered: the Mongo driver, which
 * drops undefined values, would otherwise turn `{ _id: undefined }` into "any document".
 */
export function checkLookupId(id: unknown): string {
  if (typeof id !== 'string') throw new InvalidQuery(`document ids are strings, got ${typeof id}`);
  return id;
}

/** A top-level field name (a single path segment), as used in `set`. */
export function checkFieldName(name: string): string {
  if (!FIELD_SEGMENT.test(name) || RESERVED_FIELDS.has(name)) {
    throw new InvalidQuery(`invalid field name ${JSON.stringify(name)}`);
  }
  return name;
}

export function checkPath(path: string): string {
  const segments = path.split('.');
  if (segments.length > MAX_PATH_SEGMENTS || !segments.every((s) => FIELD_SEGMENT.test(s) && !RESERVED_FIELDS.has(s))) {
    throw new InvalidQuery(`invalid field path ${JSON.stringify(path)}: dot-separated names of letters, digits and _`);
  }
  if (segments[0] === 'id' && segments.length > 1) {
    throw new InvalidQuery(`invalid field path ${JSON.stringify(path)}: id is the document key, not an object`);
  }
  return path;
}

function isScalar(value: unknown): value is Scalar {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  return typeof value === 'number' && Number.isFinite(value);
}

function scalar(path: string, op: string, value: unknown): Scalar {
  if (!isScalar(value)) {
    throw new InvalidQuery(`${path} ${op}: expected a string, finite number, boolean or null`);
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function conditionsFor(path: string, condition: unknown): Condition[] {
  if (!isPlainObject(condition)) return [{ path, op: '$eq', value: scalar(path, 'equality', condition) }];
  const entries = Object.entries(condition);
  if (entries.length === 0) throw new InvalidQuery(`${path}: empty condition`);
  return entries.map(([op, value]): Condition => {
    if (op === '$ne') return { path, op, value: scalar(path, op, value) };
    if (op === '$in') {
      if (!Array.isArray(value)) throw new InvalidQuery(`${path} $in: expected an array`);
      return { path, op, value: value.map((v) => scalar(path, op, v)) };
    }
    if (op === '$contains') {
      if (typeof value !== 'string' || value.length === 0 || value.length > MAX_CONTAINS_LENGTH) {
        throw new InvalidQuery(`${path} $contains: expected a non-empty string of at most ${MAX_CONTAINS_LENGTH} characters`);
      }
      return { path, op, value };
    }
    if (COMPARISONS.includes(op)) {
      if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) {
        return { path, op: op as ComparisonOperator, value };
      }
      throw new InvalidQuery(`${path} ${op}: expected a string or a finite number`);
    }
    throw new InvalidQuery(`${path}: unsupported operator ${JSON.stringify(op)} (use $in, $ne, $contains, $gt, $gte, $lt, $lte)`);
  });
}

export function parseFilter(filter: Filter | undefined): Condition[] {
  if (filter === undefined) return [];
  if (!isPlainObject(filter)) throw new InvalidQuery('a filter is an object of field conditions');
  return Object.entries(filter).flatMap(([path, condition]) => {
    if (path.startsWith('$')) throw new InvalidQuery(`unsupported operator ${JSON.stringify(path)} at the top level of a filter`);
    return conditionsFor(checkPath(path), condition);
  });
}

function count(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidQuery(`${name} must be a non-negative integer`);
  }
  return value;
}

export function parseFindOptions(options: FindOptions | undefined): ParsedFindOptions {
  const sort = Object.entries(options?.sort ?? {}).map(([path, direction]): SortKey => {
    if (direction !== 1 && direction !== -1) throw new InvalidQuery(`sort ${JSON.stringify(path)}: direction must be 1 or -1`);
    return { path: checkPath(path), direction };
  });
  // Ties are broken by id so that pages never overlap or skip documents.
  if (!sort.some((k) => k.path === 'id')) sort.push({ path: 'id', direction: 1 });
  return {
    sort,
    skip: options?.skip === undefined ? 0 : count('skip', options.skip),
    limit: options?.limit === undefined ? null : count('limit', options.limit),
  };
}
