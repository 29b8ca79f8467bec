import { leadTime, reminderStillApplies } from '../../domain/appointments/reminders.js';
import type { ReadView } from '../eventSourcing/projection.js';
import type { Clock } from '../ports/clock.js';
import type { EventStore } from '../ports/eventStore.js';
import type { Mailer } from '../ports/mailer.js';
import { loadAppointment } from './appointmentStreams.js';
import { DEFAULT_PATIENT_TIMEZONE, doctorAddress, formatInZone } from './bookingMail.reactor.js';
import { partiesOf } from './calendarEvents.js';

export const SEND_REMINDER_JOB = 'send-appointment-reminder';

/** Reminders this close to the start carry the consultation link: the room opens 15 minutes before it. */
export const LINK_WITHIN_MINUTES = 60;

export interface SendReminderJob extends Record<string, unknown> {
  appointmentId: string;
  offsetMinutes: number;
  /** The start the reminder was planned for; a moved appointment has another. */
  start: string;
  correlationId: string;
  causationId: string;
}

/**
 * The reminder job: re-reads the appointment's stream and writes to patient and doctor only while it
 * is confirmed for the planned start. Each mail's key is appointment + offset + start + recipient, so
 * a retried or re-run job (or a re-scheduled one for the same start) sends each mail once.
 */
export function sendReminder(deps: { events: EventStore; reads: ReadView; clock: Clock; mailer: Mailer; consultationUrl(id: string): string }) {
  return async (job: SendReminderJob): Promise<void> => {
    const appointment = await loadAppointment(deps.events, job.appointmentId);
    if (appointment.status === 'none' || !reminderStillApplies(appointment, job, deps.clock.now().toISOString())) return;
    const { patient, doctor } = await partiesOf(deps.reads, appointment);
    const link = job.offsetMinutes <= LINK_WITHIN_MINUTES ? ` Join the video consultation here (it opens 15 minutes before the start): ${deps.consultationUrl(job.appointmentId)}` : '';
    const when = (timezone: string | undefined) => formatInZone(appointment.start, timezone || DEFAULT_PATIENT_TIMEZONE);
    const lead = leadTime(job.offsetMinutes);
    const key = (to: string) => `appointment-reminder:${job.appointmentId}:${job.offsetMinutes}:${job.start}:${to}`;
    if (patient?.email) {
      const withDoctor = doctorAddress(doctor?.name ?? 'your doctor');
      await deps.mailer.send({
        to: patient.email, idempotencyKey: key('patient'),
        subject: `Reminder: your appointment with ${withDoctor} starts in ${lead}`,
        text: `Your appointment with ${withDoctor} is on ${when(patient.timezone)}. Appointment id: ${job.appointmentId}.${link}`,
      });
    }
    if (doctor?.email) {
      const withPatient = patient?.name ?? 'your patient';
      await deps.mailer.send({
        to: doctor.email, idempotencyKey: key('doctor'),
        subject: `Reminder: consultation with ${withPatient} starts in ${lead}`,
        text: `Your consultation with ${withPatient} is on ${when(doctor.timezone)}. Appointment id: ${job.appointmentId}.${link}`,
      });
    }
  };
}
