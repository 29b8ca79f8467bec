import { describe, expect, it, jest } from '@jest/globals';
import fc from 'fast-check';
import { handle, type CommandContext, type HandlerDeps } from '../../../src/application/eventSourcing/commandHandler.js';
import { loadStream } from '../../../src/application/eventSourcing/snapshots.js';
import { isSealed } from '../../../src/application/personalData/fieldCipher.js';
import { PersonalDataEventStore } from '../../../src/application/personalData/personalDataEventStore.js';
import { personalDataRules } from '../../../src/application/personalData/personalDataRules.js';
import type { EventStore, RecordedEvent } from '../../../src/application/ports/eventStore.js';
import type { Snapshot, SnapshotStore } from '../../../src/application/ports/snapshotStore.js';
import { fold } from '../../../src/domain/shared/event.js';
import { issueCode, register, userDecider, type User, type UserEvent } from '../../../src/domain/identity/user.js';
import {
  consultationDecider, joinConsultation, leaveConsultation, type AppointmentSnapshot,
} from '../../../src/domain/consultations/consultation.js';
import {
  captureReservation, credit, debit, releaseReservation, reserve, walletDecider, type Wallet, type WalletEvent,
} from '../../../src/domain/wallet/wallet.js';
import { SqliteEventStore } from '../../../src/infrastructure/eventStore/sqliteEventStore.js';
import { openDatabase } from '../../../src/infrastructure/sqlite/openDatabase.js';
import { SqlitePersonalDataKeys } from '../../../src/infrastructure/personalData/sqlitePersonalDataKeys.js';
import { FakeClock } from '../../support/fakeClock.js';

const STREAM = 'wallet-u-1';
const ctx: CommandContext = { actor: { userId: 'system', role: 'system' }, correlationId: 'test' };
const EVERY = walletDecider.snapshot!.every;

/** Newest-wins in memory, through JSON as the real stores keep it; tests may plant or break snapshots. */
class FakeSnapshots implements SnapshotStore {
  readonly saved = new Map<string, string>();
  failLoads = false;
  failSaves = false;
  async load(streamId: string): Promise<Snapshot | null> {
    if (this.failLoads) throw new Error('snapshot store down');
    const text = this.saved.get(streamId);
    return text === undefined ? null : JSON.parse(text) as Snapshot;
  }
  async save(streamId: string, snapshot: Snapshot): Promise<void> {
    if (this.failSaves) throw new Error('snapshot store down');
    const current = await this.load(streamId);
    if (!current || current.revision < snapshot.revision) this.saved.set(streamId, JSON.stringify(snapshot));
  }
}

/** The event store port, counting how many events each readStream answered. */
function counting(events: EventStore): EventStore & { reads: number[] } {
  const reads: number[] = [];
  return {
    reads,
    append: (...args) => events.append(...args),
    readStream: async (...args) => {
      const read = await events.readStream(...args);
      reads.push(read.length);
      return read;
    },
    readAll: (...args) => events.readAll(...args),
    subscribeToAll: (...args) => events.subscribeToAll(...args),
    headPosition: () => events.headPosition(),
    close: () => events.close(),
  };
}

let sequence = 0;
function world(snapshots: SnapshotStore | undefined = new FakeSnapshots()) {
  const store = new SqliteEventStore(openDatabase(':memory:'));
  const events = counting(store);
  const clock = new FakeClock('2030-01-01T00:00:00Z');
  const onSnapshotFailed = jest.fn();
  const deps: HandlerDeps = { events, clock, ids: { next: () => `id-${(sequence += 1)}` }, snapshots, onSnapshotFailed };
  return { deps, store, events, clock, onSnapshotFailed };
}

const gift = (n: number) => (w: Wallet) => credit(w, { userId: 'u-1', creditId: `gift-${n}`, amountPaise: 100, reason: 'refund', paymentId: null });

async function seed(store: EventStore, count: number): Promise<void> {
  for (let start = 0; start < count; start += 250) {
    const batch = Array.from({ length: Math.min(250, count - start) }, (_, i) => ({
      type: 'WalletCredited',
      data: { userId: 'u-1', creditId: `seed-${start + i}`, amountPaise: 100, reason: 'refund', paymentId: null },
      metadata: { eventId: `seed-${start + i}`, actor: ctx.actor, correlationId: 'seed', causationId: null, recordedAt: '2030-01-01T00:00:00.000Z', schemaVersion: 1 },
    }));
    await store.append(STREAM, batch, start === 0 ? 'no_stream' : start - 1);
  }
}

describe('commands on a snapshotted stream', () => {
  it('read at most `every` events of a 1,000-event wallet once a snapshot exists', async () => {
    const { deps, store, events } = world();
    await seed(store, 1_000);
    await handle(deps, STREAM, walletDecider, gift(0), ctx);
    expect(events.reads).toEqual([1_000]);
    events.reads.length = 0;
    for (let n = 1; n <= 3 * EVERY; n += 1) await handle(deps, STREAM, walletDecider, gift(n), ctx);
    expect(events.reads).toHaveLength(3 * EVERY);
    expect(Math.max(...events.reads)).toBeLessThanOrEqual(EVERY);
    const full = fold(walletDecider, (await store.readStream(STREAM)) as unknown as WalletEvent[]);
    expect(full.balancePaise).toBe((1_000 + 1 + 3 * EVERY) * 100);
  });

  it('decide as a full read would, for any history and any snapshot interval', async () => {
    const userId = 'u-1';
    const ids = fc.constantFrom('a', 'b', 'c', 'd', 'e');
    const amount = fc.integer({ min: 1, max: 5_000 });
    const command = fc.oneof(
      fc.record({ kind: fc.constant('credit' as const), id: fc.string({ maxLength: 3 }), amount }),
      fc.record({ kind: fc.constant('reserve' as const), id: ids, amount, minutes: fc.integer({ min: 1, max: 30 }) }),
      fc.record({ kind: fc.constant('capture' as const), id: ids }),
      fc.record({ kind: fc.constant('release' as const), id: ids }),
      fc.record({ kind: fc.constant('debit' as const), id: ids, amount }),
      fc.record({ kind: fc.constant('wait' as const), minutes: fc.integer({ min: 1, max: 20 }) }),
    );
    type Command = typeof command extends fc.Arbitrary<infer C> ? C : never;
    const decision = (c: Exclude<Command, { kind: 'wait' }>, now: string) => (w: Wallet): WalletEvent[] => {
      switch (c.kind) {
        case 'credit': return credit(w, { userId, creditId: c.id, amountPaise: c.amount, reason: 'topup', paymentId: null });
        case 'reserve': return reserve(w, {
          userId, reservationId: c.id, paymentId: `p-${c.id}`, amountPaise: c.amount, now, expiresAt: new Date(Date.parse(now) + c.minutes * 60_000).toISOString(),
        });
        case 'capture': return captureReservation(w, { userId, reservationId: c.id, now });
        case 'release': return releaseReservation(w, { userId, reservationId: c.id, reason: 'payment_failed' });
        case 'debit': return debit(w, { userId, reservationId: c.id, paymentId: `p-${c.id}`, amountPaise: c.amount, now });
      }
    };
    const outcome = async (run: () => Promise<{ appended: RecordedEvent[] }>) => {
      try {
        return (await run()).appended.map((e) => ({ type: e.type, data: e.data }));
      } catch (error) {
        return { refused: (error as { code?: string }).code ?? String(error) };
      }
    };

    await fc.assert(fc.asyncProperty(fc.array(command, { minLength: 20, maxLength: 80 }), fc.integer({ min: 1, max: 8 }), async (commands, every) => {
      const decider = { ...walletDecider, snapshot: { every, schema: 1 } };
      const snapshots = new FakeSnapshots();
      const [cached, plain] = [world(snapshots), world(undefined)];
      for (const c of commands) {
        if (c.kind === 'wait') {
          cached.clock.advance(c.minutes * 60_000);
          plain.clock.advance(c.minutes * 60_000);
          continue;
        }
        const now = cached.clock.now().toISOString();
        expect(await outcome(() => handle(cached.deps, STREAM, decider, decision(c, now), ctx)))
          .toEqual(await outcome(() => handle(plain.deps, STREAM, decider, decision(c, now), ctx)));
      }
      const history = await cached.store.readStream(STREAM);
      const full = fold(walletDecider, history as unknown as WalletEvent[]);
      const snapshot = await snapshots.load(STREAM);
      if (snapshot) {
        const tail = history.slice(snapshot.revision + 1) as unknown as WalletEvent[];
        expect(tail.reduce(walletDecider.evolve, snapshot.state as Wallet)).toEqual(full);
        expect(history.length - 1 - snapshot.revision).toBeLessThan(every + 3);
      } else {
        expect(history.length).toBeLessThan(every + 3);
      }
    }), { numRuns: 40 });
  });
});

describe('a snapshot is only a cache', () => {
  const bogus = { balancePaise: 1_000_000_000, reservedPaise: 0, reservations: {}, credits: {} };

  async function withHistory(snapshots: FakeSnapshots) {
    const w = world(snapshots);
    await seed(w.store, 150);
    w.events.reads.length = 0;
    return w;
  }

  it.each([
    ['of an older state shape (schema)', (at: RecordedEvent) => ({ revision: at.revision, eventId: at.metadata.eventId, schema: 0, state: bogus })],
    ['ahead of the stream (a restored backup)', () => ({ revision: 5_000, eventId: 'later', schema: 1, state: bogus })],
    ['of another history at the same revision', (at: RecordedEvent) => ({ revision: at.revision, eventId: 'not-this-one', schema: 1, state: bogus })],
    ['garbled', () => ({ revision: 'x', eventId: 7, schema: 1, state: null })],
  ])('a snapshot %s is ignored and the whole stream read', async (_, planted) => {
    const snapshots = new FakeSnapshots();
    const w = await withHistory(snapshots);
    const [at] = await w.store.readStream(STREAM, { from: 120, maxCount: 1 });
    snapshots.saved.set(STREAM, JSON.stringify(planted(at)));
    const result = await handle(w.deps, STREAM, walletDecider, gift(1), ctx);
    expect(result.state.balancePaise).toBe(151 * 100);
    expect(w.events.reads.at(-1)).toBe(150);
  });

  it('a store that cannot load or save fails no command, and says so', async () => {
    const snapshots = new FakeSnapshots();
    const w = await withHistory(snapshots);
    snapshots.failLoads = true;
    snapshots.failSaves = true;
    const result = await handle(w.deps, STREAM, walletDecider, gift(1), ctx);
    expect(result.state.balancePaise).toBe(151 * 100);
    expect(w.onSnapshotFailed).toHaveBeenCalledWith(STREAM, expect.any(Error));
  });

  it('a concurrent append after the snapshot is still a conflict, and the retry decides on it', async () => {
    const w = world();
    await seed(w.store, 150);
    await handle(w.deps, STREAM, walletDecider, gift(0), ctx);
    let raced = false;
    w.events.append = async (...args) => {
      if (!raced) {
        raced = true;
        await w.store.append(STREAM, [{ ...args[1][0], metadata: { ...args[1][0].metadata, eventId: 'other-writer' } }], 'any');
      }
      return w.store.append(...args);
    };
    const onConflict = jest.fn();
    const seen: number[] = [];
    const result = await handle({ ...w.deps, onConflict }, STREAM, walletDecider, (wallet) => {
      seen.push(wallet.balancePaise);
      return gift(1)(wallet);
    }, ctx);
    expect(onConflict).toHaveBeenCalledWith(STREAM);
    // The other writer's credit used the same credit id: the retry sees it and credits nothing more.
    expect(seen).toEqual([151 * 100, 152 * 100]);
    expect(result.appended).toEqual([]);
  });

  it('a command retried with its Idempotency-Key just after a snapshot covered it appends nothing', async () => {
    const w = world();
    await seed(w.store, EVERY - 1);
    const keyed = { ...ctx, idempotencyKey: 'k-1' };
    const first = await handle(w.deps, STREAM, walletDecider, (wallet) => reserve(wallet, {
      userId: 'u-1', reservationId: 'r-1', paymentId: 'p-1', amountPaise: 500, now: '2030-01-01T00:00:00.000Z', expiresAt: '2030-01-01T00:15:00.000Z',
    }), keyed);
    expect((await w.deps.snapshots!.load(STREAM))?.revision).toBe(first.revision);
    const retried = await handle(w.deps, STREAM, walletDecider, () => { throw new Error('must not decide again'); }, keyed);
    expect(retried).toMatchObject({ appended: [], position: first.position, lastEventId: first.lastEventId });
  });
});

describe('a consultation room', () => {
  it('folds a long run of reconnects from its snapshot to the state a full read gives', async () => {
    const snapshots = new FakeSnapshots();
    const w = world(snapshots);
    const appointment: AppointmentSnapshot = {
      id: 'a-1', patientId: 'p-1', doctorId: 'd-1', status: 'confirmed', start: '2030-01-01T00:10:00.000Z', end: '2030-01-01T00:40:00.000Z',
    };
    const stream = 'consultation-a-1';
    const every = consultationDecider.snapshot!.every;
    for (let n = 0; n < every; n += 1) {
      const now = w.clock.now().toISOString();
      await handle(w.deps, stream, consultationDecider, (c) => joinConsultation(c, { appointment, appointmentId: 'a-1', userId: 'p-1', now }), ctx);
      await handle(w.deps, stream, consultationDecider, (c) => leaveConsultation(c, { userId: 'p-1', now }), ctx);
      w.clock.advance(1_000);
    }
    expect(await snapshots.load(stream)).not.toBeNull();
    w.events.reads.length = 0;
    const joined = await handle(w.deps, stream, consultationDecider, (c) => joinConsultation(c, {
      appointment, appointmentId: 'a-1', userId: 'd-1', now: w.clock.now().toISOString(),
    }), ctx);
    expect(Math.max(...w.events.reads)).toBeLessThanOrEqual(every);
    expect(joined.state).toEqual(fold(consultationDecider, (await w.store.readStream(stream)) as never));
    expect(joined.state).toMatchObject({ status: 'active', present: ['doctor'], seen: ['patient', 'doctor'] });
  });
});

describe('a snapshot of someone\'s personal data (an account)', () => {
  const userId = 'u-7';
  const stream = `user-${userId}`;
  const person = { name: 'Asha Kulkarni', email: 'asha.kulkarni@example.test', passwordHash: '$2b$04$secret-password-hash' };
  const every = userDecider.snapshot!.every;

  /** The service's layering: personal fields sealed by the event store, keys in the same database. */
  function personalWorld(options: { keyStore: boolean }) {
    const db = openDatabase(':memory:');
    const store = new SqliteEventStore(db);
    const keys = new SqlitePersonalDataKeys(db);
    const events = counting(new PersonalDataEventStore(store, keys, personalDataRules));
    const snapshots = new FakeSnapshots();
    const clock = new FakeClock('2030-01-01T00:00:00Z');
    const deps: HandlerDeps = {
      events, clock, ids: { next: () => `id-${(sequence += 1)}` }, snapshots, personalData: options.keyStore ? keys : undefined, onSnapshotFailed: jest.fn(),
    };
    return { deps, events, keys, snapshots, clock };
  }

  type World = ReturnType<typeof personalWorld>;

  async function registered(w: World): Promise<void> {
    await handle(w.deps, stream, userDecider, (u) => register(u, { userId, ...person, role: 'patient', avatarUrl: null, verification: 'preverified' }), ctx);
  }

  /** Sign-up mails a code, forgot-password another, a minute apart: each is an event on the account's stream. */
  async function codesRequested(w: World, count: number): Promise<User> {
    let state: User = { status: 'none' };
    for (let n = 0; n < count; n += 1) {
      w.clock.advance(61_000);
      const now = w.clock.now().toISOString();
      state = (await handle(w.deps, stream, userDecider, (u) => issueCode(u, { purpose: 'reset_password', codeHash: `hash-${n}`, now }), ctx)).state;
    }
    return state;
  }

  const fullRead = async (w: World): Promise<User> => fold(userDecider, (await w.deps.events.readStream(stream)) as unknown as UserEvent[]);

  it('is stored sealed with their key: no name, e-mail or password hash in the stored row', async () => {
    const w = personalWorld({ keyStore: true });
    await registered(w);
    await codesRequested(w, every + 20);
    const row = w.snapshots.saved.get(stream);
    expect(row).toBeDefined();
    for (const secret of Object.values(person)) expect(row).not.toContain(secret);
    expect(isSealed(JSON.parse(row!).state)).toBe(true);
  });

  it('is used: a command on a stream of more than `every` events reads only the tail, and decides on the real data', async () => {
    const w = personalWorld({ keyStore: true });
    await registered(w);
    await codesRequested(w, every + 20);
    w.events.reads.length = 0;
    const state = await codesRequested(w, 1);
    expect(Math.max(...w.events.reads)).toBeLessThanOrEqual(every);
    expect(state).toMatchObject({ status: 'registered', ...person });
    expect(state).toEqual(await fullRead(w));
    const loaded = await loadStream(w.deps, stream, userDecider, false);
    expect(loaded.snapshotRevision).toBeGreaterThan(0);
    expect(loaded.state).toEqual(state);
  });

  it.each([
    ['their key was erased', async (w: World) => { await w.keys.erase(userId, w.clock.now()); }],
    ['its bytes were damaged', async (w: World) => {
      const stored = JSON.parse(w.snapshots.saved.get(stream)!);
      const ct = Buffer.from(stored.state.ct, 'base64');
      ct[ct.length - 1] ^= 1;
      w.snapshots.saved.set(stream, JSON.stringify({ ...stored, state: { ...stored.state, ct: ct.toString('base64') } }));
    }],
  ])('is ignored once %s: the whole stream is read, as before snapshots', async (_, spoil) => {
    const w = personalWorld({ keyStore: true });
    await registered(w);
    await codesRequested(w, every + 20);
    expect((await loadStream(w.deps, stream, userDecider, false)).snapshotRevision).toBeGreaterThan(0);
    await spoil(w);
    w.events.reads.length = 0;
    const loaded = await loadStream(w.deps, stream, userDecider, false);
    expect(w.events.reads).toEqual([every + 22]);
    expect(loaded.snapshotRevision).toBe(-1);
    expect(loaded.state).toEqual(await fullRead(w));
  });

  it('after erasure, shows the person as forgotten, and no new snapshot is kept for them', async () => {
    const w = personalWorld({ keyStore: true });
    await registered(w);
    await codesRequested(w, every + 20);
    const before = JSON.parse(w.snapshots.saved.get(stream)!) as Snapshot;
    await w.keys.erase(userId, w.clock.now());
    const { state } = await loadStream(w.deps, stream, userDecider, false);
    expect(state).toMatchObject({ status: 'registered', userId, name: 'Forgotten user', email: null });
    await codesRequested(w, every + 20);
    expect(JSON.parse(w.snapshots.saved.get(stream)!)).toEqual(before);
  });

  it('is never saved without a key store to seal it', async () => {
    const [sealing, keyless] = [personalWorld({ keyStore: true }), personalWorld({ keyStore: false })];
    for (const w of [sealing, keyless]) {
      await registered(w);
      expect(await codesRequested(w, every + 20)).toMatchObject(person);
    }
    expect(sealing.snapshots.saved.size).toBe(1);
    expect(keyless.snapshots.saved.size).toBe(0);
    expect(keyless.deps.onSnapshotFailed).not.toHaveBeenCalled();
  });
});
