import type { Actor } from '../../domain/shared/event.js';
import type { ContextModule } from '../module.js';
import { endConsultation, endIdleConsultationRoom, joinConsultationRoom, leaveConsultationRoom } from './consultationCommands.js';
import type { ConsultationDeps } from './consultationDeps.js';
import { consultationView } from './consultationView.js';
import { consultationsProjection } from './consultations.projection.js';
import { END_IDLE_CONSULTATION_JOB, idleTimerReactor } from './idleTimer.reactor.js';
import { iceServersFor } from './iceServers.js';

/** Video consultations: room membership as events, the consultation read model, the idle timer, ICE servers. */
export function createConsultationsModule(deps: ConsultationDeps) {
  const endIdle = endIdleConsultationRoom(deps);
  return {
    projections: [consultationsProjection],
    reactors: [idleTimerReactor(deps)],
    jobs: [{
      name: END_IDLE_CONSULTATION_JOB,
      handler: (data: Record<string, unknown>) => endIdle(String(data.appointmentId), `${END_IDLE_CONSULTATION_JOB}:${String(data.appointmentId)}`),
      options: { attempts: 3, backoffMs: 5000 },
    }],
    join: joinConsultationRoom(deps),
    leave: leaveConsultationRoom(deps),
    end: endConsultation(deps),
    endIfIdle: endIdle,
    view: consultationView(deps),
    iceServers: (actor: Actor) => iceServersFor(actor.userId, deps.handler.clock.now(), deps.ice),
  } satisfies ContextModule & Record<string, unknown>;
}

export type ConsultationsModule = ReturnType<typeof createConsultationsModule>;
