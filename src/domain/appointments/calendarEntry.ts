import type { AppointmentEvent, AppointmentStatus } from './appointment.js';

/**
 * An appointment as a calendar sees it, at one point of its stream. The UID never changes; SEQUENCE
 * counts the changes a calendar must apply over an earlier copy (each reschedule, the cancellation),
 * so it only grows and a replay of the stream derives the same number.
 */
export interface CalendarEntry {
  uid: string;
  appointmentId: string;
  patientId: string;
  doctorId: string;
  start: string;
  end: string;
  status: AppointmentStatus;
  sequence: number;
}

export type InviteMethod = 'REQUEST' | 'CANCEL';

export const calendarUid = (appointmentId: string): string => `appointment-${appointmentId}@healthvision`;

/** The entry after `history` (the appointment's events in order), or null before its request. */
export function calendarEntryOf(history: readonly AppointmentEvent[]): CalendarEntry | null {
  let entry: CalendarEntry | null = null;
  for (const event of history) {
    if (event.type === 'AppointmentRequested') {
      const { appointmentId, patientId, doctorId, start, end } = event.data;
      entry = { uid: calendarUid(appointmentId), appointmentId, patientId, doctorId, start, end, status: 'pending_payment', sequence: 0 };
      continue;
    }
    if (!entry) continue;
    switch (event.type) {
      case 'AppointmentConfirmed': entry = { ...entry, status: 'confirmed' }; break;
      case 'AppointmentRescheduled': entry = { ...entry, start: event.data.start, end: event.data.end, sequence: entry.sequence + 1 }; break;
      case 'AppointmentCancelled': entry = { ...entry, status: 'cancelled', sequence: entry.sequence + 1 }; break;
      case 'AppointmentExpired': entry = { ...entry, status: 'expired' }; break;
      case 'AppointmentCompleted': entry = { ...entry, status: 'completed' }; break;
      case 'AppointmentMissed': entry = { ...entry, status: 'missed' }; break;
    }
  }
  return entry;
}

/** A cancelled appointment leaves calendars; anything else is (re)placed in them. */
export const inviteMethodOf = (entry: CalendarEntry): InviteMethod => (entry.status === 'cancelled' ? 'CANCEL' : 'REQUEST');
