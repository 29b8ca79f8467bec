import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  InvalidQuery,
  type Document,
  type Filter,
  type FindOptions,
  type ReadStore,
  type Write,
} from '../../src/application/ports/readStore.js';

/**
 * The ReadStore contract, run against every adapter (SQLite here, MongoDB when a server is configured).
 * Each harness starts empty (its own file or database), so assertions may look at whole collections.
 */
export interface ReadStoreHarness {
  store: ReadStore;
  /** Closes the store and opens a fresh one on the same storage (a process restart). */
  reopen: () => Promise<ReadStore>;
  cleanup(): Promise<void>;
}

export type ReadStoreFactory = () => Promise<ReadStoreHarness>;

export const contractCollections = [
  { name: 'items', indexes: [{ fields: ['status'] }, { fields: ['owner.name', 'rank'] }] },
  { name: 'accounts', indexes: [{ fields: ['email'], unique: true }] },
  { name: 'others' },
];

const set = (id: string, fields: Record<string, unknown>, collection = 'items'): Write => ({ collection, id, set: fields });
const del = (id: string, collection = 'items'): Write => ({ collection, id, delete: true });

/** Five items whose fields exercise types: booleans next to 0/1, a numeric string next to a number, nulls and gaps. */
const seed: Write[] = [
  set('i1', { status: 'open', rank: 3, price: 10.5, flag: true, owner: { name: 'ann', city: 'pune' }, note: null }),
  set('i2', { status: 'closed', rank: 1, price: 2, flag: false, owner: { name: 'bob' }, note: 'n' }),
  set('i3', { status: 'open', rank: 2, flag: true, owner: { name: 'ann' }, label: '5' }),
  set('i4', { status: 'held', rank: 10, price: 100, flag: 1, owner: { name: 'cy' }, label: 5 }),
  set('i5', { status: 'draft', rank: 20, price: 0, flag: 0 }),
];

const ids = (docs: Document[]) => docs.map((d) => d.id);

export function readStoreContract(name: string, factory: ReadStoreFactory): void {
  describe(`ReadStore contract: ${name}`, () => {
    let harness: ReadStoreHarness;
    let store: ReadStore;

    beforeEach(async () => {
      harness = await factory();
      store = harness.store;
      await store.ensureCollections(contractCollections);
    });

    afterEach(async () => {
      await harness.cleanup();
    });

    describe('writes', () => {
      it('upserts a document on set, and a later set merges top-level fields (nested objects are replaced)', async () => {
        await store.apply([set('d', { a: 1, nested: { x: 1, y: 2 } })], 1);
        await store.apply([set('d', { b: 2, nested: { x: 3 } })], 2);
        expect(await store.get('items', 'd')).toEqual({ id: 'd', a: 1, b: 2, nested: { x: 3 } });
      });

      it('stores explicit nulls, ignores undefined values and accepts set.id equal to the document id', async () => {
        await store.apply([set('d', { a: 1, b: 2 })], 1);
        await store.apply([set('d', { id: 'd', a: null, b: undefined, c: [1, 'two', { three: true }] })], 2);
        expect(await store.get('items', 'd')).toEqual({ id: 'd', a: null, b: 2, c: [1, 'two', { three: true }] });
      });

      it('returns null for an unknown id and for a collection nothing was written to', async () => {
        await store.apply(seed, 1);
        expect(await store.get('items', 'nope')).toBeNull();
        expect(await store.get('neverWritten', 'i1')).toBeNull();
        expect(await store.find('neverWritten')).toEqual([]);
        expect(await store.count('neverWritten')).toBe(0);
      });

      it('skips a write whose position is older than or equal to the document position', async () => {
        await store.apply([set('d', { v: 'five' })], 5);
        await store.apply([set('d', { v: 'three', older: true })], 3);
        await store.apply([set('d', { v: 'five again' })], 5);
        await store.apply([del('d')], 4);
        expect(await store.get('items', 'd')).toEqual({ id: 'd', v: 'five' });
        await store.apply([set('d', { v: 'six' })], 6);
        expect(await store.get('items', 'd')).toEqual({ id: 'd', v: 'six' });
      });

      it('applies every write one event makes to the same document, and a replay of that batch changes nothing', async () => {
        await store.apply([set('d', { a: 1 }), set('gone', { x: 1 })], 1);
        const batch = [set('d', { b: 2 }), set('d', { c: 3 }), del('gone'), set('fresh', { n: 1 }), set('fresh', { n: 2 })];
        await store.apply(batch, 2);
        const after = await store.find('items');
        expect(after).toEqual([{ id: 'd', a: 1, b: 2, c: 3 }, { id: 'fresh', n: 2 }]);

        await store.apply(batch, 2);
        expect(await store.find('items')).toEqual(after);
        await store.apply([set('d', { b: 'later' })], 3);
        await store.apply(batch, 2);
        expect(await store.get('items', 'd')).toEqual({ id: 'd', a: 1, b: 'later', c: 3 });
      });

      it('applies a run of events in order, each under its own position guard, and a replay of the run changes nothing', async () => {
        await store.apply([set('d', { v: 'four' })], 4);
        const run = [
          { writes: [set('d', { v: 'three', stale: true })], position: 3 },
          { writes: [set('d', { w: 5 })], position: 5 },
          { writes: [set('d', { v: 'six' }), set('e', { n: 1 })], position: 6 },
          { writes: [del('e'), set('f', { n: 7 })], position: 7 },
        ];
        await store.applyInOrder(run);
        const after = await store.find('items');
        expect(after).toEqual([{ id: 'd', v: 'six', w: 5 }, { id: 'f', n: 7 }]);
        await store.applyInOrder(run);
        expect(await store.find('items')).toEqual(after);
      });

      it('treats a delete followed by a set in one batch as a fresh document', async () => {
        await store.apply([set('d', { a: 1, b: 2 })], 1);
        await store.apply([del('d'), set('d', { c: 3 })], 2);
        expect(await store.get('items', 'd')).toEqual({ id: 'd', c: 3 });
      });

      it('deletes a document, and (no tombstone) a later write recreates it', async () => {
        await store.apply([set('d', { a: 1 })], 1);
        await store.apply([del('d'), del('never-existed')], 2);
        expect(await store.get('items', 'd')).toBeNull();
        await store.apply([set('d', { b: 2 })], 3);
        expect(await store.get('items', 'd')).toEqual({ id: 'd', b: 2 });
      });

      it('applies one batch across several collections', async () => {
        await store.apply([set('x', { a: 1 }), set('y', { b: 2 }, 'others')], 1);
        expect(await store.get('items', 'x')).toEqual({ id: 'x', a: 1 });
        expect(await store.get('others', 'y')).toEqual({ id: 'y', b: 2 });
      });

      it('rejects a set whose id differs from the document id, and reserved or dotted field names', async () => {
        for (const fields of [{ id: 'other' }, { 'a.b': 1 }, { $set: 1 }, { _id: 'x' }, { _position: 9 }]) {
          await expect(store.apply([set('d', fields)], 1)).rejects.toBeInstanceOf(InvalidQuery);
        }
        expect(await store.get('items', 'd')).toBeNull();
      });
    });

    describe('filters', () => {
      beforeEach(async () => {
        await store.apply(seed, 1);
      });

      const cases: Array<[string, Filter | undefined, string[]]> = [
        ['no filter: everything', undefined, ['i1', 'i2', 'i3', 'i4', 'i5']],
        ['equality on a string', { status: 'open' }, ['i1', 'i3']],
        ['equality on a number', { rank: 1 }, ['i2']],
        ['equality on a fraction', { price: 10.5 }, ['i1']],
        ['a number does not match a numeric string', { label: 5 }, ['i4']],
        ['a string does not match a number', { label: '5' }, ['i3']],
        ['true matches booleans only, not 1', { flag: true }, ['i1', 'i3']],
        ['false matches booleans only, not 0', { flag: false }, ['i2']],
        ['1 does not match true', { flag: 1 }, ['i4']],
        ['0 does not match false', { flag: 0 }, ['i5']],
        ['null matches null and missing fields', { note: null }, ['i1', 'i3', 'i4', 'i5']],
        ['$ne null matches present non-null fields', { note: { $ne: null } }, ['i2']],
        ['$ne on a string includes missing fields', { label: { $ne: '5' } }, ['i1', 'i2', 'i4', 'i5']],
        ['$ne on a number includes missing fields', { price: { $ne: 2 } }, ['i1', 'i3', 'i4', 'i5']],
        ['$ne true keeps 1 and false', { flag: { $ne: true } }, ['i2', 'i4', 'i5']],
        ['a dotted path', { 'owner.name': 'ann' }, ['i1', 'i3']],
        ['a dotted path to a missing field is null', { 'owner.city': null }, ['i2', 'i3', 'i4', 'i5']],
        ['$in on a dotted path', { 'owner.name': { $in: ['bob', 'cy'] } }, ['i2', 'i4']],
        ['$in mixing a number and a string is type-strict', { label: { $in: [5, 'x'] } }, ['i4']],
        ['$in mixing a boolean and a number is type-strict', { flag: { $in: [true, 0] } }, ['i1', 'i3', 'i5']],
        ['$in with null matches missing fields', { price: { $in: [null, 2] } }, ['i2', 'i3']],
        ['$in with nothing matches nothing', { status: { $in: [] } }, []],
        ['$gt on numbers', { rank: { $gt: 2 } }, ['i1', 'i4', 'i5']],
        ['$gte and $lt together', { rank: { $gte: 2, $lt: 10 } }, ['i1', 'i3']],
        ['$lte', { rank: { $lte: 1 } }, ['i2']],
        ['$gt compares numbers numerically (10 > 9)', { rank: { $gt: 9 } }, ['i4', 'i5']],
        ['a numeric range skips strings', { label: { $gt: 0 } }, ['i4']],
        ['a string range skips numbers', { label: { $gte: '' } }, ['i3']],
        ['a numeric range skips booleans', { flag: { $gte: 0 } }, ['i4', 'i5']],
        ['a string range', { status: { $gt: 'd', $lt: 'i' } }, ['i4', 'i5']],
        ['conditions are ANDed', { status: 'open', rank: { $gt: 2 } }, ['i1']],
        ['id equality', { id: 'i2' }, ['i2']],
        ['id $in', { id: { $in: ['i1', 'i5', 'nope'] } }, ['i1', 'i5']],
        ['id range', { id: { $gte: 'i4' } }, ['i4', 'i5']],
      ];

      it.each(cases)('%s', async (_, filter, expected) => {
        expect(ids(await store.find('items', filter))).toEqual(expected);
        expect(await store.count('items', filter)).toBe(expected.length);
      });
    });

    describe('substring search ($contains)', () => {
      beforeEach(async () => {
        await store.apply([
          set('c1', { name: 'Dr Asha RAO', rank: 1, owner: { name: 'Vikram' } }),
          set('c2', { name: 'asha_k 100%', rank: 2 }),
          set('c3', { name: 'A.S. (x*) \\ [y] a|b +?{2}', rank: 3 }),
          set('c4', { name: 42, label: true }),
          set('c5', { name: null }),
          set('c6', { name: 'Émile Ärzt' }),
          set('c7', { rank: 7 }),
        ], 1);
      });

      const cases: Array<[string, Filter, string[]]> = [
        ['matches a substring whatever the case of ASCII letters', { name: { $contains: 'aSHa' } }, ['c1', 'c2']],
        ['matches at the end and across a space', { name: { $contains: 'a rao' } }, ['c1']],
        ['matches only string fields, not a number holding the digits', { name: { $contains: '42' } }, []],
        ['does not match a boolean (SQLite reads true as 1)', { label: { $contains: '1' } }, []],
        ['does not match null or missing fields', { name: { $contains: 'null' } }, []],
        ['treats % literally (no LIKE wildcard)', { name: { $contains: '%' } }, ['c2']],
        ['treats _ literally (no LIKE wildcard)', { name: { $contains: 'a_' } }, ['c2']],
        ['a lone _ matches only an underscore', { name: { $contains: '_' } }, ['c2']],
        ['a lone . matches only a dot (no regex wildcard)', { name: { $contains: '.' } }, ['c3']],
        ['.* is text, not "anything"', { name: { $contains: '.*' } }, []],
        ['treats * and parentheses literally', { name: { $contains: '(x*)' } }, ['c3']],
        ['treats a backslash literally', { name: { $contains: ') \\ [' } }, ['c3']],
        ['a bracket expression is text, not a character class', { name: { $contains: '[ad]' } }, []],
        ['treats |, +, ? and braces literally', { name: { $contains: 'a|b +?{2}' } }, ['c3']],
        ['^ is text, not an anchor', { name: { $contains: '^dr' } }, []],
        ['$ is text, not an anchor', { name: { $contains: 'rao$' } }, []],
        ['non-ASCII letters match as written, the ASCII ones beside them in either case', { name: { $contains: 'ÉMILE ÄRZT' } }, ['c6']],
        ['non-ASCII letters are not case-folded', { name: { $contains: 'émile' } }, []],
        ['on a dotted path', { 'owner.name': { $contains: 'KRAM' } }, ['c1']],
        ['on the id', { id: { $contains: 'C2' } }, ['c2']],
        ['ANDed with other conditions', { name: { $contains: 'asha' }, rank: { $gt: 1 } }, ['c2']],
      ];

      it.each(cases)('%s', async (_, filter, expected) => {
        expect(ids(await store.find('items', filter))).toEqual(expected);
        expect(await store.count('items', filter)).toBe(expected.length);
      });

      it('sorts and pages the matches, and counts all of them', async () => {
        await store.apply(['Ben Match', 'Ann match', 'Dev MATCH', 'Cy no'].map((name, i) => set(`m${i}`, { name })), 2);
        const filter: Filter = { name: { $contains: 'match' } };
        const page = (skip: number) => store.find('items', filter, { sort: { name: 1 }, skip, limit: 2 });
        expect((await page(0)).map((d) => d.name)).toEqual(['Ann match', 'Ben Match']);
        expect((await page(2)).map((d) => d.name)).toEqual(['Dev MATCH']);
        expect(await store.count('items', filter)).toBe(3);
      });

      it.each<[string, unknown]>([
        ['an empty text', ''],
        ['a number', 4],
        ['null', null],
        ['an array', ['asha']],
        ['an operator object', { $regex: '.*' }],
        ['a text of more than 256 characters', 'a'.repeat(257)],
      ])('rejects %s as the text to look for', async (_, text) => {
        const filter = { name: { $contains: text } } as unknown as Filter;
        await expect(store.find('items', filter)).rejects.toBeInstanceOf(InvalidQuery);
        await expect(store.count('items', filter)).rejects.toBeInstanceOf(InvalidQuery);
      });
    });

    describe('sort and paging', () => {
      beforeEach(async () => {
        await store.apply(seed, 1);
      });

      const sorts: Array<[string, FindOptions['sort'], string[]]> = [
        ['by id when no sort is given', undefined, ['i1', 'i2', 'i3', 'i4', 'i5']],
        ['numbers ascending, numerically', { rank: 1 }, ['i2', 'i3', 'i1', 'i4', 'i5']],
        ['numbers descending', { rank: -1 }, ['i5', 'i4', 'i1', 'i3', 'i2']],
        ['missing fields first ascending', { price: 1 }, ['i3', 'i5', 'i2', 'i1', 'i4']],
        ['missing fields last descending', { price: -1 }, ['i4', 'i1', 'i2', 'i5', 'i3']],
        ['several keys', { status: 1, rank: -1 }, ['i2', 'i5', 'i4', 'i1', 'i3']],
        ['a dotted path then a number', { 'owner.name': 1, rank: 1 }, ['i5', 'i3', 'i1', 'i2', 'i4']],
        ['ties by id ascending', { status: 1 }, ['i2', 'i5', 'i4', 'i1', 'i3']],
        ['ties by id ascending even when descending', { status: -1 }, ['i1', 'i3', 'i4', 'i5', 'i2']],
        ['by id descending', { id: -1 }, ['i5', 'i4', 'i3', 'i2', 'i1']],
      ];

      it.each(sorts)('sorts %s', async (_, sort, expected) => {
        expect(ids(await store.find('items', {}, { sort }))).toEqual(expected);
      });

      it.each([
        [{ skip: 0, limit: 2 }, ['i2', 'i3']],
        [{ skip: 2, limit: 2 }, ['i1', 'i4']],
        [{ skip: 4, limit: 2 }, ['i5']],
        [{ skip: 10, limit: 2 }, []],
        [{ skip: 3 }, ['i4', 'i5']],
        [{ limit: 0 }, []],
      ])('pages with %j', async (page, expected) => {
        expect(ids(await store.find('items', {}, { sort: { rank: 1 }, ...page }))).toEqual(expected);
      });

      it('pages through equal sort keys without repeating or missing a document', async () => {
        const many = Array.from({ length: 11 }, (_, i) => set(`m${String(i).padStart(2, '0')}`, { status: 'same' }));
        await store.apply(many, 2);
        const seen: string[] = [];
        for (let skip = 0; skip < 12; skip += 3) {
          seen.push(...ids(await store.find('items', { status: 'same' }, { sort: { status: -1 }, skip, limit: 3 })));
        }
        expect(seen).toEqual(many.map((w) => w.id));
      });

      it('filters, sorts and pages together', async () => {
        const page = await store.find('items', { rank: { $gte: 2 } }, { sort: { rank: -1 }, skip: 1, limit: 2 });
        expect(page).toEqual([
          { id: 'i4', status: 'held', rank: 10, price: 100, flag: 1, owner: { name: 'cy' }, label: 5 },
          { id: 'i1', status: 'open', rank: 3, price: 10.5, flag: true, owner: { name: 'ann', city: 'pune' }, note: null },
        ]);
      });
    });

    describe('checkpoints, drop and indexes', () => {
      it('keeps one checkpoint per projection', async () => {
        expect(await store.getCheckpoint('p1')).toBeNull();
        await store.setCheckpoint('p1', 10);
        await store.setCheckpoint('p2', 20);
        await store.setCheckpoint('p1', 15);
        expect(await store.getCheckpoint('p1')).toBe(15);
        expect(await store.getCheckpoint('p2')).toBe(20);
      });

      it('drop empties the collections and the checkpoint, so a rebuild can write from the start again', async () => {
        await store.apply([...seed, set('kept', { a: 1 }, 'others')], 100);
        await store.setCheckpoint('p1', 100);
        await store.setCheckpoint('p2', 100);
        await store.drop(['items'], 'p1');

        expect(await store.count('items')).toBe(0);
        expect(await store.getCheckpoint('p1')).toBeNull();
        expect(await store.getCheckpoint('p2')).toBe(100);
        expect(await store.get('others', 'kept')).toEqual({ id: 'kept', a: 1 });

        await store.apply([set('i1', { rebuilt: true })], 1);
        expect(await store.get('items', 'i1')).toEqual({ id: 'i1', rebuilt: true });
      });

      it('ensureCollections can run again on existing collections and data', async () => {
        await store.apply(seed, 1);
        await store.ensureCollections(contractCollections);
        expect(await store.count('items', { status: 'open' })).toBe(2);
      });

      it('rejects a write that violates a unique index, leaving the existing document; a retry succeeds once the value is free', async () => {
        await store.apply([set('a1', { email: 'x@example.test' }, 'accounts')], 1);
        await expect(store.apply([set('a2', { email: 'x@example.test' }, 'accounts')], 2)).rejects.toThrow();
        expect(await store.get('accounts', 'a2')).toBeNull();
        expect(await store.get('accounts', 'a1')).toEqual({ id: 'a1', email: 'x@example.test' });

        await store.apply([set('a1', { email: 'y@example.test' }, 'accounts')], 3);
        await store.apply([set('a2', { email: 'x@example.test' }, 'accounts')], 2);
        expect(ids(await store.find('accounts', {}, { sort: { email: 1 } }))).toEqual(['a2', 'a1']);
      });

      it('answers ping', async () => {
        await expect(store.ping()).resolves.toBeUndefined();
      });
    });

    describe('hostile input', () => {
      const injection = "x' OR 1=1 --";

      beforeEach(async () => {
        await store.apply([...seed, set('evil', { status: injection })], 1);
      });

      it('treats quotes and SQL in values as plain values', async () => {
        expect(ids(await store.find('items', { status: injection }))).toEqual(['evil']);
        expect(await store.find('items', { status: "open' OR '1'='1" })).toEqual([]);
        expect(await store.count('items', { status: { $in: [injection, "'); DROP TABLE rm_items; --"] } })).toBe(1);
        expect(await store.get('items', "' OR 1=1 --")).toBeNull();
      });

      it.each<[string, unknown]>([
        ['a top-level $where', { $where: 'true' }],
        ['a top-level $or', { $or: [{ status: 'open' }, { status: 'held' }] }],
        ['$where as a field operator', { status: { $where: '1' } }],
        ['$regex', { status: { $regex: '.*' } }],
        ['$exists', { status: { $exists: true } }],
        ['an unknown operator beside a known one', { status: { $ne: 'x', $expr: 1 } }],
        ['a field with a semicolon', { 'a;drop': 1 }],
        ['a field closing the SQL expression', { "status') = 1 OR ('1": 1 }],
        ['a reserved field', { _position: 1 }],
        ['an object as a value', { owner: { name: 'ann' } }],
        ['an empty condition', { status: {} }],
        ['an array as a value', { status: ['open'] }],
        ['an object inside $in', { status: { $in: [{ $gt: '' }] } }],
        ['NaN', { rank: Number.NaN }],
        ['a boolean range', { flag: { $gt: false } }],
        // An undefined value must not widen the query (the Mongo driver drops undefined keys).
        ['an undefined value', { status: undefined }],
        ['undefined inside $in', { status: { $in: [undefined] } }],
      ])('rejects %s', async (_, filter) => {
        await expect(store.find('items', filter as Filter)).rejects.toBeInstanceOf(InvalidQuery);
        await expect(store.count('items', filter as Filter)).rejects.toBeInstanceOf(InvalidQuery);
      });

      it.each<[string, unknown]>([
        ['a sort field with SQL', { sort: { 'rank; DROP TABLE x': 1 } }],
        ['a sort direction other than 1 or -1', { sort: { rank: 'desc' } }],
        ['a negative skip', { skip: -1 }],
        ['a fractional limit', { limit: 1.5 }],
      ])('rejects %s', async (_, options) => {
        await expect(store.find('items', {}, options as FindOptions)).rejects.toBeInstanceOf(InvalidQuery);
      });

      it('rejects a lookup by an id that is not a string instead of returning some document', async () => {
        await expect(store.get('items', undefined as unknown as string)).rejects.toBeInstanceOf(InvalidQuery);
        await expect(store.get('items', { $ne: 'x' } as unknown as string)).rejects.toBeInstanceOf(InvalidQuery);
      });

      it('rejects collection names that are not plain identifiers', async () => {
        const name = 'items; DROP TABLE rm_items';
        await expect(store.find(name)).rejects.toBeInstanceOf(InvalidQuery);
        await expect(store.get(name, 'i1')).rejects.toBeInstanceOf(InvalidQuery);
        await expect(store.apply([set('i1', { a: 1 }, name)], 2)).rejects.toBeInstanceOf(InvalidQuery);
        await expect(store.ensureCollections([{ name: 'bad-name' }])).rejects.toBeInstanceOf(InvalidQuery);
      });

      it('leaves the data intact after every rejected attempt', async () => {
        await expect(store.find('items', { $where: 'this.rank > 0' } as unknown as Filter)).rejects.toBeInstanceOf(InvalidQuery);
        expect(await store.count('items')).toBe(6);
      });
    });

    it('keeps documents and checkpoints across a restart', async () => {
      await store.apply(seed, 7);
      await store.setCheckpoint('p1', 7);
      store = await harness.reopen();
      expect(await store.count('items')).toBe(5);
      expect(await store.getCheckpoint('p1')).toBe(7);
      await store.apply([set('i1', { status: 'stale' })], 7);
      expect(await store.get('items', 'i1')).toMatchObject({ status: 'open' });
    });
  });
}
