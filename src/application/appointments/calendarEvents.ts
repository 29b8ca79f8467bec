import { calendarEntryOf, type CalendarEntry } from '../../domain/appointments/calendarEntry.js';
import type { AppointmentEvent } from '../../domain/appointments/appointment.js';
import type { CalendarEvent } from '../ports/calendarFiles.js';
import type { RecordedEvent } from '../ports/eventStore.js';
import type { ReadView } from '../eventSourcing/projection.js';
import { doctorAddress } from './bookingMail.reactor.js';

/** The identity read model's fields this context reads about the two parties. */
export interface PartyDoc {
  id: string;
  name: string;
  email: string;
  timezone?: string;
  [field: string]: unknown;
}

export interface Parties {
  patient: PartyDoc | null;
  doctor: PartyDoc | null;
}

export async function partiesOf(reads: ReadView, entry: { patientId: string; doctorId: string }): Promise<Parties> {
  const [patient, doctor] = await Promise.all([
    reads.get<PartyDoc>('users', entry.patientId),
    reads.get<PartyDoc>('users', entry.doctorId),
  ]);
  return { patient, doctor };
}

/** The calendar entry as of the last of `history` (an appointment stream or a prefix of it). */
export function entryAfter(history: readonly RecordedEvent[]): CalendarEntry | null {
  return calendarEntryOf(history.map((e) => ({ type: e.type, data: e.data }) as AppointmentEvent));
}

/**
 * One appointment as a calendar event for `viewer`'s calendar: named after the other party, with the
 * consultation link and both parties as attendees (when identity knows them).
 */
export function calendarEventOf(entry: CalendarEntry, parties: Parties, viewer: 'patient' | 'doctor', stampedAt: string, url: string): CalendarEvent {
  const doctor = doctorAddress(parties.doctor?.name ?? 'your doctor');
  const summary = viewer === 'patient' ? `Consultation with ${doctor}` : `Consultation with ${parties.patient?.name ?? 'a patient'}`;
  const attendees = [parties.patient, parties.doctor].filter((p): p is PartyDoc => Boolean(p?.email)).map((p) => ({ name: p.name, email: p.email }));
  return {
    entry, summary, stampedAt, attendees, url,
    description: `HealthVision video consultation (appointment ${entry.appointmentId}). Join from 15 minutes before the start: ${url}`,
  };
}
