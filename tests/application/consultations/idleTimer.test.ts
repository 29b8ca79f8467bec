import { describe, expect, it } from '@jest/globals';
import { END_IDLE_CONSULTATION_JOB, idleTimerReactor } from '../../../src/application/consultations/idleTimer.reactor.js';
import type { HandlerDeps } from '../../../src/application/eventSourcing/commandHandler.js';
import type { EventStore, RecordedEvent } from '../../../src/application/ports/eventStore.js';
import type { Scheduler } from '../../../src/application/ports/scheduler.js';
import type { ConsultationEvent } from '../../../src/domain/consultations/consultation.js';

const T = '2030-01-07T10:00:00.000Z';
const opened: ConsultationEvent = { type: 'ConsultationRoomOpened', data: { appointmentId: 'a1', patientId: 'p1', doctorId: 'd1', at: T } };
const joined = (role: 'patient' | 'doctor'): ConsultationEvent =>
  ({ type: 'ParticipantJoined', data: { appointmentId: 'a1', userId: role === 'patient' ? 'p1' : 'd1', role, at: T } });
const left = (role: 'patient' | 'doctor', at = T): ConsultationEvent =>
  ({ type: 'ParticipantLeft', data: { appointmentId: 'a1', userId: role === 'patient' ? 'p1' : 'd1', role, at } });

function recorded(events: ConsultationEvent[]): RecordedEvent[] {
  return events.map((e, revision) => ({
    streamId: 'consultation-a1', revision, position: revision + 1, type: e.type, data: e.data,
    metadata: { eventId: `e${revision}`, actor: { userId: 'system', role: 'system' }, correlationId: 'c', causationId: null, recordedAt: T, schemaVersion: 1, hash: '' },
  }));
}

/** Reacts to the last event of `history`, with the stream holding `history` and maybe later events. */
async function react(history: ConsultationEvent[], later: ConsultationEvent[] = []) {
  const stream = recorded([...history, ...later]);
  const calls: Array<[string, ...unknown[]]> = [];
  const scheduler = {
    schedule: async (...args: unknown[]) => { calls.push(['schedule', ...args]); },
    cancel: async (...args: unknown[]) => { calls.push(['cancel', ...args]); return 1; },
  } as unknown as Scheduler;
  const events = {
    readStream: async (_id: string, options?: { maxCount?: number }) => stream.slice(0, options?.maxCount ?? stream.length),
  } as unknown as EventStore;
  await idleTimerReactor({ handler: { events } as HandlerDeps, scheduler }).react(stream[history.length - 1]);
  return calls;
}

describe('the idle timer', () => {
  it('starts when the second party leaves, due 10 minutes after, once per consultation', async () => {
    expect(await react([opened, joined('patient'), joined('doctor'), left('patient'), left('doctor', '2030-01-07T10:05:00.000Z')])).toEqual([
      ['schedule', END_IDLE_CONSULTATION_JOB, new Date('2030-01-07T10:15:00.000Z'), { appointmentId: 'a1' }, `${END_IDLE_CONSULTATION_JOB}:a1`],
    ]);
  });

  it('does not start while one party is still in the room', async () => {
    expect(await react([opened, joined('patient'), joined('doctor'), left('patient')])).toEqual([]);
  });

  it('decides on the state at the event, so a replay after a rejoin schedules the same way', async () => {
    const calls = await react([opened, joined('patient'), joined('doctor'), left('patient'), left('doctor')], [joined('doctor')]);
    expect(calls.map((c) => c[0])).toEqual(['schedule']);
  });

  it.each([
    ['someone comes back', joined('patient')],
    ['the doctor ends the call', { type: 'ConsultationEnded', data: { appointmentId: 'a1', by: 'doctor', at: T } } as ConsultationEvent],
  ])('stops when %s', async (_, event) => {
    expect(await react([opened, joined('patient'), joined('doctor'), left('patient'), left('doctor'), event]))
      .toEqual([['cancel', END_IDLE_CONSULTATION_JOB, { appointmentId: 'a1' }]]);
  });
});
