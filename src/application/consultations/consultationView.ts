import { NotFound } from '../../domain/shared/errors.js';
import type { Actor } from '../../domain/shared/event.js';
import type { ConsultationDeps } from './consultationDeps.js';
import { CONSULTATIONS, type ConsultationDoc, type ParticipantView } from './consultations.projection.js';

export interface ConsultationView {
  appointmentId: string;
  status: 'idle' | 'active' | 'ended';
  participants: ParticipantView[];
}

/**
 * The consultation of an appointment, for its two parties, auditors and admins. Everyone else gets
 * the same 404 as for a missing appointment.
 */
export const consultationView = (deps: Pick<ConsultationDeps, 'reads' | 'appointments'>) =>
  async (appointmentId: string, actor: Actor): Promise<ConsultationView> => {
    const [appointment, doc] = await Promise.all([
      deps.appointments.getAppointment(appointmentId),
      deps.reads.get<ConsultationDoc>(CONSULTATIONS, appointmentId),
    ]);
    const parties = appointment ?? doc;
    const overseer = actor.role === 'admin' || actor.role === 'auditor';
    if (!parties || (!overseer && actor.userId !== parties.patientId && actor.userId !== parties.doctorId)) {
      throw new NotFound('Appointment', appointmentId);
    }
    return { appointmentId, status: doc?.status ?? 'idle', participants: doc?.participants ?? [] };
  };
