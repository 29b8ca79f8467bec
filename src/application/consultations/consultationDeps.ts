import type { AppointmentSnapshot } from '../../domain/consultations/consultation.js';
import type { HandlerDeps } from '../eventSourcing/commandHandler.js';
import type { ReadView } from '../eventSourcing/projection.js';
import type { Scheduler } from '../ports/scheduler.js';

/** The booking context's read side, as far as consultations need it (no access check there). */
export interface AppointmentLookup {
  getAppointment(appointmentId: string): Promise<AppointmentSnapshot | null>;
}

/** Where ICE servers come from (the service's configuration). */
export interface IceSettings {
  stunUrls: string[];
  turnUrls?: string[];
  turnSecret?: string;
  turnTtlSeconds: number;
}

export interface ConsultationDeps {
  handler: HandlerDeps;
  reads: ReadView;
  scheduler: Scheduler;
  appointments: AppointmentLookup;
  ice: IceSettings;
}
