import { partyOf, type Appointment, type ExistingAppointment } from '../../domain/appointments/appointment.js';
import type { Actor } from '../../domain/shared/event.js';
import { NotFound } from '../../domain/shared/errors.js';

/**
 * Someone with no part in an appointment learns nothing about it, not even that it exists: 404.
 * `staff` are the roles that may see every appointment in that operation.
 */
export function visibleTo(appointment: Appointment, appointmentId: string, actor: Actor, staff: readonly string[]): ExistingAppointment {
  if (appointment.status === 'none' || (!partyOf(appointment, actor) && !staff.includes(actor.role))) {
    throw new NotFound('Appointment', appointmentId);
  }
  return appointment;
}
