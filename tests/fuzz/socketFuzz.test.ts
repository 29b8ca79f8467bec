import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { io as connect, type Socket } from 'socket.io-client';
import type { GivenUser } from '../support/identity.js';
import { untilQuiet } from '../support/polling.js';
import {
  type AppointmentFixture, type TestServer, client, connected, givenAppointment, givenDoctorSlots, request, startConsultationServer, user,
} from '../realtime/consultationFixture.js';

/**
 * Random payloads to every signalling event: the server answers each with an acknowledgement or an
 * `error` event that names a client-side reason (never `internal_error`), and keeps serving.
 * Reproduce a failure with `FUZZ_SEED=<seed>`.
 */
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const ACK_TIMEOUT_MS = 3_000;

/** Every event `src/interfaces/realtime/signalling.ts` listens to. */
const EVENTS = ['join-room', 'leave-room', 'end-room', 'signal', 'offer', 'answer', 'ice-candidate'] as const;
type Who = 'patient' | 'doctor' | 'stranger' | 'admin';

let server: TestServer;
let appointment: AppointmentFixture;
let slots: string[];
let ended = false;
const users = {} as Record<Who, GivenUser>;
const sockets = {} as Record<Who, Socket>;
/** `error` events the server pushed (answers to messages sent without an acknowledgement). */
const pushed: Array<{ who: Who; payload: unknown }> = [];
const crashes: unknown[] = [];
const onCrash = (error: unknown) => { crashes.push(error); };

async function socketOf(who: Who): Promise<Socket> {
  if (sockets[who]?.connected) return sockets[who];
  sockets[who]?.disconnect();
  const socket = client(server, users[who].token);
  socket.on('error', (payload: unknown) => pushed.push({ who, payload }));
  sockets[who] = await connected(socket);
  return socket;
}

const head = () => server.services.events.headPosition();

const quiet = () => untilQuiet(server.services.events);

async function healthy(): Promise<boolean> {
  const res = await fetch(`${server.url}/healthz`);
  return res.status === 200 && ((await res.json()) as { status?: string }).status === 'ok';
}

// ---------------------------------------------------------------- payloads

const nastyString = fc.oneof(
  fc.constantFrom('', '\u0000', '../../etc/passwd', '__proto__', 'constructor', 'settle', ':', '%00', '\ud800', '🩺', 'x'.repeat(101)),
  fc.string({ unit: 'binary', maxLength: 30 }),
);
/** Stands for the real appointment's id (known only once the server runs). */
const REAL_ID = '<the appointment>';
const appointmentIdValue = fc.oneof({ weight: 3, arbitrary: fc.constant<unknown>(REAL_ID) }, { weight: 2, arbitrary: fc.oneof(nastyString, fc.jsonValue({ maxDepth: 2 })) });
const withRealId = (payload: unknown) => (payload && typeof payload === 'object' && (payload as { appointmentId?: unknown }).appointmentId === REAL_ID
  ? { ...payload, appointmentId: appointment.appointmentId } : payload);
const hostile = fc.oneof(
  { depthSize: 'small' },
  fc.jsonValue({ maxDepth: 3 }),
  nastyString,
  fc.constantFrom(undefined, null, Number.NaN, -0, Infinity, 1e308, { $gt: '' }, JSON.parse('{"__proto__":{"ok":true},"constructor":{"prototype":{}}}') as unknown),
  fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
  // Deep, but not so deep that the client's own encoder overflows before sending.
  fc.integer({ min: 100, max: 1_000 }).map((n) => JSON.parse(`${'['.repeat(n)}${']'.repeat(n)}`) as unknown),
  // Past the 64 kB signalling limit (refused), and past Socket.io's 100 kB frame limit (the server drops the connection).
  fc.constantFrom(70_000, 120_000).map((n) => ({ appointmentId: 'x', data: 'x'.repeat(n) })),
);
const sdp = fc.oneof(hostile, fc.record({ type: fc.constantFrom('offer', 'answer', 'pranswer', 'rollback', 'bogus'), sdp: fc.oneof(fc.string(), hostile) }));
const candidate = fc.oneof(hostile, fc.constant(null), fc.record({
  candidate: fc.oneof(fc.string(), hostile), sdpMid: fc.oneof(fc.string(), fc.constant(null), hostile), sdpMLineIndex: fc.oneof(fc.integer({ min: -2, max: 5 }), hostile),
}, { requiredKeys: ['candidate'] }));

/** A payload shaped like the event's own message, with some fields hostile, or anything at all. */
function payloadFor(event: (typeof EVENTS)[number]): fc.Arbitrary<unknown> {
  const extra = fc.oneof(
    { weight: 3, arbitrary: fc.constant({}) },
    { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'extra', 'from', 'userId'), hostile, { minKeys: 1, maxKeys: 2 }) },
  );
  const field: Record<string, fc.Arbitrary<unknown>> = { signal: hostile, offer: sdp, answer: sdp, 'ice-candidate': candidate };
  const shaped = fc.tuple(appointmentIdValue, field[event] ?? fc.constant(undefined), extra).map(([id, value, more]) => {
    const key = event === 'signal' ? 'data' : event === 'ice-candidate' ? 'candidate' : 'sdp';
    return { appointmentId: id, ...(field[event] ? { [key]: value } : {}), ...more };
  });
  return fc.oneof({ weight: 3, arbitrary: shaped }, { weight: 1, arbitrary: hostile });
}

const message = fc.constantFrom(...EVENTS).chain((event) => fc.record({
  event: fc.constant(event),
  payload: payloadFor(event),
  // Extra arguments before the acknowledgement, now and then.
  more: fc.oneof({ weight: 6, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(hostile, { minLength: 1, maxLength: 2 }) }),
  who: fc.constantFrom<Who>('patient', 'doctor', 'patient', 'doctor', 'stranger', 'admin'),
  withAck: fc.boolean(),
}));

// ---------------------------------------------------------------- the run

beforeAll(async () => {
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  server = await startConsultationServer();
  [users.patient, users.doctor, users.stranger, users.admin] = await Promise.all([
    user(server, 'patient'), user(server, 'doctor'), user(server, 'patient'), user(server, 'admin'),
  ]);
  slots = await givenDoctorSlots(server, users.doctor);
  appointment = await givenAppointment(server, users.patient, slots);
}, 30_000);

afterAll(async () => {
  for (const socket of Object.values(sockets)) socket.disconnect();
  process.off('uncaughtException', onCrash);
  process.off('unhandledRejection', onCrash);
  await server.cleanup();
});

describe('Socket.io fuzz: random payloads to every signalling event', () => {
  it('fuzzes every event the signalling module listens to', () => {
    const source = readFileSync(new URL('../../src/interfaces/realtime/signalling.ts', import.meta.url), 'utf8');
    const listened = [...source.matchAll(/\bon\('([\w-]+)'/g)].map((m) => m[1]).filter((e) => e !== 'connection' && e !== 'disconnecting');
    const start = source.indexOf('const relayed');
    const relayed = [...source.slice(start, source.indexOf('} as const', start)).matchAll(/^\s+'?([\w-]+)'?: z\./gm)].map((m) => m[1]);
    expect([...listened, ...relayed].sort()).toEqual([...EVENTS].sort());
  });

  it('answers every message with a client-side reason or success, and stays up', async () => {
    const result = await fc.check(fc.asyncProperty(message, async ({ event, payload, more, who, withAck }) => {
      // The token bucket runs on the fake clock: let it refill a message's worth, as real time would.
      server.clock.advance(100);
      // A dropped socket records leaving its rooms after the fact: let that land before counting.
      if (Object.values(sockets).some((s) => s.disconnected)) await quiet();
      // Once the doctor has ended the consultation, move on to a fresh one so joins keep succeeding
      // (the last free slot is kept for the check after the fuzz).
      if (ended && slots.length > 1) {
        appointment = await givenAppointment(server, users.patient, slots);
        ended = false;
      }
      const socket = await socketOf(who);
      const args = [withRealId(payload), ...more];
      const sentPushes = pushed.length;
      const before = await head();
      if (withAck) {
        const answer = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck(event, ...args).catch((error: unknown) => ({ timedOut: error }));
        // A frame over Socket.io's limit closes the connection instead of being answered.
        if ('timedOut' in answer && socket.disconnected) return;
        expect(answer).toEqual(expect.objectContaining({ ok: expect.any(Boolean) }));
        if (answer.ok && event === 'end-room') ended = true;
        if (!answer.ok) {
          expect(answer).toEqual(expect.objectContaining({ error: expect.any(String), message: expect.any(String) }));
          expect(answer.error).not.toBe('internal_error');
          // A refused message changes nothing (unless a socket was dropped meanwhile, which records leaving).
          // (Scheduled jobs, such as the idle-room timer, may fire meanwhile: only this socket's own events count.)
          if (Object.values(sockets).every((s) => s.connected)) {
            const appended = await server.services.events.readAll({ fromPosition: before });
            expect(appended.filter((e) => e.metadata.correlationId === socket.id).map((e) => e.type)).toEqual([]);
          }
        }
      } else {
        socket.emit(event, ...args);
        // A round trip: once the server answers it, the message before it was handled.
        await request(socket, 'leave-room', { appointmentId: 'settle' }).catch(() => null);
      }
      const problems = pushed.slice(sentPushes).filter((p) => (p.payload as { code?: string })?.code === 'internal_error');
      expect(problems).toEqual([]);
    }), { seed: SEED, numRuns: RUNS, interruptAfterTimeLimit: 20_000, markInterruptAsFailure: false });
    if (result.failed) {
      const why = result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
      throw new Error(`socket fuzz failed (reproduce with FUZZ_SEED=${SEED}, path "${result.counterexamplePath}"): ${fc.stringify(result.counterexample)}\n${why}`);
    }
    expect(await healthy()).toBe(true);
    expect(crashes).toEqual([]);
  }, 60_000);

  it('survives the patient and the doctor joining, leaving, ending and dropping in random overlapping order', async () => {
    const action = fc.record({
      who: fc.constantFrom<'patient' | 'doctor'>('patient', 'doctor'),
      what: fc.constantFrom('join-room', 'leave-room', 'end-room', 'offer', 'drop', 'reconnect'),
      wait: fc.boolean(),
    });
    const answers: unknown[] = [];
    const result = await fc.check(fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 12 }), async (actions) => {
      server.clock.advance(1_000);
      const inFlight: Array<Promise<unknown>> = [];
      for (const { who, what, wait } of actions) {
        const step = (async () => {
          if (what === 'drop') return sockets[who]?.disconnect();
          const socket = await socketOf(who);
          if (what === 'reconnect') return;
          const payload = what === 'offer' ? { appointmentId: appointment.appointmentId, sdp: { type: 'offer', sdp: 'v=0' } } : { appointmentId: appointment.appointmentId };
          // A socket dropped by a parallel step never gets its answer; one still connected must get it.
          if (socket.disconnected) return;
          const dropped = new Promise<'dropped'>((resolve) => socket.once('disconnect', () => resolve('dropped')));
          const answer = await Promise.race([socket.timeout(ACK_TIMEOUT_MS).emitWithAck(what, payload).catch(() => 'unanswered'), dropped]);
          answers.push(answer);
          if (answer === 'unanswered' && socket.connected) throw new Error(`${what} by the ${who} was never answered`);
          if ((answer as { error?: string }).error === 'internal_error') throw new Error(`${what} by the ${who}: ${JSON.stringify(answer)}`);
        })();
        if (wait) await step;
        else inFlight.push(step);
      }
      await Promise.all(inFlight);
      const pushedInternal = pushed.filter((p) => (p.payload as { code?: string })?.code === 'internal_error');
      if (pushedInternal.length > 0) throw new Error(`internal_error pushed: ${JSON.stringify(pushedInternal)}`);
      if (slots.length > 1 && answers.some((a) => (a as { error?: string } | null)?.error === 'consultation_ended')) {
        appointment = await givenAppointment(server, users.patient, slots);
        answers.length = 0;
      }
    }), { seed: SEED, numRuns: 60, interruptAfterTimeLimit: 15_000, markInterruptAsFailure: false });
    if (result.failed) {
      const why = result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
      throw new Error(`socket churn failed (reproduce with FUZZ_SEED=${SEED}, path "${result.counterexamplePath}"): ${fc.stringify(result.counterexample)}\n${why}`);
    }
    expect(await healthy()).toBe(true);
    expect(crashes).toEqual([]);
  }, 60_000);

  it('still lets the patient and the doctor into a room after the fuzz', async () => {
    for (const socket of Object.values(sockets)) socket.disconnect();
    // The fuzz may well have ended the first consultation.
    appointment = await givenAppointment(server, users.patient, slots);
    const patient = await socketOf('patient');
    const doctor = await socketOf('doctor');
    await expect(request(patient, 'join-room', { appointmentId: appointment.appointmentId })).resolves.toMatchObject({ ok: true });
    await expect(request(doctor, 'join-room', { appointmentId: appointment.appointmentId })).resolves.toMatchObject({ ok: true });
  });

  it('refuses hostile handshakes with a connect_error and stays up', async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(hostile, fc.record({ token: hostile })), async (auth) => {
      const socket = connect(server.url, { auth: auth as object, transports: ['websocket'], reconnection: false, forceNew: true });
      try {
        // A handshake over the 100 kB frame limit is dropped by Socket.io itself rather than refused.
        const outcome = await new Promise<string>((resolve) => {
          socket.once('connect', () => resolve('connected'));
          socket.once('connect_error', (e) => resolve(e.message));
          socket.io.once('close', () => resolve('unauthorized (dropped)'));
        });
        expect(outcome).toMatch(/^unauthorized/);
      } finally {
        socket.disconnect();
      }
    }), { seed: SEED, numRuns: 20 });
    expect(await healthy()).toBe(true);
  });
});

describe('counterexamples the fuzz found, pinned', () => {
  // The handler took the second argument as the acknowledgement, so a message with an extra argument
  // was never answered and the client waited forever.
  it.each<[string, unknown[]]>([
    ['an extra argument', [{ appointmentId: 'a1' }, 'extra']],
    ['an extra undefined argument', [{ appointmentId: 'a1' }, undefined]],
    ['no payload at all', []],
  ])('a message with %s is answered with invalid_payload', async (_, args) => {
    const socket = await socketOf('patient');
    await expect(socket.timeout(ACK_TIMEOUT_MS).emitWithAck('join-room', ...args)).resolves.toMatchObject({ ok: false, error: 'invalid_payload' });
  });
});
