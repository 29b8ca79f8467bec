import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyChain } from '../../src/application/eventSourcing/eventChain.js';
import type { Upcast } from '../../src/application/eventSourcing/upcasting.js';
import { PersonalDataEventStore } from '../../src/application/personalData/personalDataEventStore.js';
import { IdempotencyMismatchError, type EventToAppend } from '../../src/application/ports/eventStore.js';
import type { PersonalDataRule } from '../../src/domain/shared/personalData.js';
import { SqliteEventStore } from '../../src/infrastructure/eventStore/sqliteEventStore.js';
import { SqlitePersonalDataKeys } from '../../src/infrastructure/personalData/sqlitePersonalDataKeys.js';
import { openDatabase } from '../../src/infrastructure/sqlite/openDatabase.js';
import { eventStoreContract, take, type ContractHarness } from './eventStore.contract.js';

const rules: PersonalDataRule[] = [{
  type: 'PatientNoted',
  owner: (data) => String(data.userId),
  fields: [{ path: 'name', forgotten: 'Forgotten user' }, { path: 'contact.email', forgotten: null }, { path: 'tags', forgotten: [] }],
}];

function onTmpFile(upcast?: Upcast) {
  const dir = mkdtempSync(join(tmpdir(), 'hv-pdstore-'));
  const file = join(dir, 'events.sqlite');
  let db = openDatabase(file, 'normal');
  const open = () => new PersonalDataEventStore(new SqliteEventStore(db, upcast), new SqlitePersonalDataKeys(db), rules);
  let store = open();
  return {
    get store() { return store; },
    db: (): Database.Database => db,
    reopen: async () => {
      await store.close();
      db.close();
      db = openDatabase(file, 'normal');
      store = open();
      return store;
    },
    cleanup: async () => {
      await store.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// The decorated store is still an EventStore in every respect (events without personal data pass as they are).
eventStoreContract('SQLite behind the personal-data decorator', async (options): Promise<ContractHarness> => {
  const h = onTmpFile(options?.upcast);
  return { store: h.store, reopen: h.reopen, cleanup: h.cleanup };
});

const noted = (userId: string, fields: Record<string, unknown>, eventId: string = randomUUID()): EventToAppend => ({
  type: 'PatientNoted',
  data: { userId, ...fields },
  metadata: {
    eventId, actor: { userId, role: 'patient' }, correlationId: 'c', causationId: null,
    recordedAt: '2030-01-07T03:30:00.000Z', schemaVersion: 1,
  },
});
const asha = { name: 'Asha Rao', contact: { email: 'asha@example.test', phone: 'kept plain' }, tags: ['diabetic'], visits: 3 };

describe('personal fields in the event store', () => {
  let h: ReturnType<typeof onTmpFile>;
  beforeEach(() => { h = onTmpFile(); });
  afterEach(async () => { await h.cleanup(); });
  const storedRows = () => h.db().prepare('SELECT data FROM events').all() as Array<{ data: string }>;

  it('are stored sealed and read back as written; other fields stay plain', async () => {
    await h.store.append('patient-1', [noted('u1', asha)], 'no_stream');
    const [row] = storedRows();
    for (const secret of ['Asha Rao', 'asha@example.test', 'diabetic']) expect(row.data).not.toContain(secret);
    expect(JSON.parse(row.data)).toMatchObject({ userId: 'u1', visits: 3, contact: { phone: 'kept plain', email: { pd: 1, by: 'u1' } } });
    const [read] = await h.store.readStream('patient-1');
    expect(read.data).toEqual({ userId: 'u1', ...asha });
    expect((await h.store.readAll())[0].data).toEqual({ userId: 'u1', ...asha });
  });

  it('reach subscribers opened, one by one and in runs', async () => {
    await h.store.append('patient-1', [noted('u1', asha), noted('u2', { name: 'Bina' })], 'no_stream');
    const one = h.store.subscribeToAll();
    expect((await take(one, new Set(['patient-1']), 2)).map((e) => e.data)).toEqual([{ userId: 'u1', ...asha }, { userId: 'u2', name: 'Bina' }]);
    await one.close();
    const runs = h.store.subscribeToAll();
    for await (const run of runs.runs(10)) {
      expect(run.map((e) => (e.data as { name: string }).name)).toEqual(['Asha Rao', 'Bina']);
      break;
    }
    await runs.close();
  });

  it('once the owner\'s key is erased, read as forgotten everywhere while the chain stays valid', async () => {
    await h.store.append('patient-1', [noted('u1', asha), noted('u2', { name: 'Bina' })], 'no_stream');
    const before = await h.store.readStream('patient-1', { raw: true });
    await new SqlitePersonalDataKeys(h.db()).erase('u1', new Date('2030-01-08T00:00:00Z'));
    const [ann, bina] = await h.store.readStream('patient-1');
    expect(ann.data).toEqual({ userId: 'u1', name: 'Forgotten user', contact: { email: null, phone: 'kept plain' }, tags: [], visits: 3 });
    expect(bina.data).toEqual({ userId: 'u2', name: 'Bina' });
    const raw = await h.store.readStream('patient-1', { raw: true });
    expect(raw).toEqual(before);
    expect(verifyChain(raw)).toEqual({ valid: true, events: 2 });
    expect((await (await h.reopen()).readAll())[0].data).toMatchObject({ name: 'Forgotten user' });
  });

  it('written after the owner was erased, are forgotten before they are stored', async () => {
    await new SqlitePersonalDataKeys(h.db()).erase('u1', new Date('2030-01-08T00:00:00Z'));
    await h.store.append('patient-1', [noted('u1', asha)], 'no_stream');
    expect(storedRows()[0].data).not.toContain('Asha');
    expect((await h.store.readStream('patient-1'))[0].data).toMatchObject({ name: 'Forgotten user', tags: [] });
  });

  it('written in plaintext before encryption existed, still read; and read as forgotten once their owner is erased', async () => {
    const legacy = noted('u1', asha);
    // An event as stored before this feature: the same type, plain fields.
    await new SqliteEventStore(h.db()).append('patient-1', [legacy], 'no_stream');
    expect((await h.store.readStream('patient-1'))[0].data).toEqual({ userId: 'u1', ...asha });
    await new SqlitePersonalDataKeys(h.db()).erase('u1', new Date('2030-01-08T00:00:00Z'));
    expect((await h.store.readStream('patient-1'))[0].data).toMatchObject({ name: 'Forgotten user', contact: { email: null } });
  });

  it('a damaged ciphertext reads as forgotten rather than failing the read', async () => {
    await h.store.append('patient-1', [noted('u1', asha)], 'no_stream');
    h.db().prepare('UPDATE events SET data = json_set(data, \'$.name.ct\', \'AAAA\')').run();
    expect((await h.store.readStream('patient-1'))[0].data).toMatchObject({ name: 'Forgotten user', tags: ['diabetic'] });
  });

  it('a sealed field cannot be moved into another event: it reads as forgotten there', async () => {
    await h.store.append('patient-1', [noted('u1', asha), noted('u1', { name: 'Other' })], 'no_stream');
    h.db().prepare(`UPDATE events SET data = json_set(data, '$.name', json((SELECT json_extract(data, '$.name') FROM events WHERE revision = 0)))
      WHERE revision = 1`).run();
    expect((await h.store.readStream('patient-1'))[1].data).toMatchObject({ name: 'Forgotten user' });
  });

  it('a retried append (same ids, same content) is recognised as the same append; other content under those ids is refused', async () => {
    const event = noted('u1', asha);
    const first = await h.store.append('patient-1', [event], 'no_stream');
    expect(await h.store.append('patient-1', [event], 'any')).toEqual(first);
    await expect(h.store.append('patient-1', [noted('u1', { ...asha, name: 'Someone else' }, event.metadata.eventId)], 'any'))
      .rejects.toBeInstanceOf(IdempotencyMismatchError);
    expect(storedRows()).toHaveLength(1);
  });

  it('the same value in two events is sealed differently, so ciphertexts do not link them', async () => {
    await h.store.append('patient-1', [noted('u1', { name: 'Asha Rao' }), noted('u1', { name: 'Asha Rao' })], 'no_stream');
    const [a, b] = storedRows().map((r) => JSON.parse(r.data).name.ct as string);
    expect(a).not.toEqual(b);
  });
});
