import type { PersonalDataRule } from '../shared/personalData.js';

/**
 * Appointments carry ids, not names; only a cancellation's free-text reason is personal. It belongs
 * to whoever wrote it (the patient or doctor cancelling); an admin's or the system's reasons are kept plain.
 */
export const appointmentsPersonalData: PersonalDataRule[] = [
  {
    type: 'AppointmentCancelled',
    owner: (_data, actor) => (actor.role === 'patient' || actor.role === 'doctor' ? actor.userId : null),
    fields: [{ path: 'reason', forgotten: '' }],
  },
];
