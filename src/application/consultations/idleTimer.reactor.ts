import {
  IDLE_END_AFTER_MS, bothLeft, consultationDecider, type ConsultationEvent,
} from '../../domain/consultations/consultation.js';
import { fold } from '../../domain/shared/event.js';
import type { Reactor } from '../eventSourcing/reactor.js';
import type { ConsultationDeps } from './consultationDeps.js';

export const END_IDLE_CONSULTATION_JOB = 'consultations.end-idle';

/**
 * Starts the idle timer when the room empties after both parties have been in it, and stops it when
 * someone comes back or the doctor ends the call. The unique key makes a replayed event schedule once.
 */
export const idleTimerReactor = (deps: Pick<ConsultationDeps, 'handler' | 'scheduler'>): Reactor => ({
  name: 'consultations.idle-timer',
  handles: ['ParticipantLeft', 'ParticipantJoined', 'ConsultationEnded'],
  react: async (recorded) => {
    const event = { type: recorded.type, data: recorded.data } as ConsultationEvent;
    const { appointmentId } = event.data;
    if (event.type !== 'ParticipantLeft') {
      await deps.scheduler.cancel(END_IDLE_CONSULTATION_JOB, { appointmentId });
      return;
    }
    // The state right after this event, not the stream's current state: replays decide the same way.
    const history = await deps.handler.events.readStream(recorded.streamId, { maxCount: recorded.revision + 1 });
    if (!bothLeft(fold(consultationDecider, history as unknown as ConsultationEvent[]))) return;
    const runAt = new Date(Date.parse(event.data.at) + IDLE_END_AFTER_MS);
    await deps.scheduler.schedule(END_IDLE_CONSULTATION_JOB, runAt, { appointmentId }, `${END_IDLE_CONSULTATION_JOB}:${appointmentId}`);
  },
});
