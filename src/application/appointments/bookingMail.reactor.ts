import type { AppointmentEvent, ExistingAppointment } from '../../domain/appointments/appointment.js';
import type { Reactor } from '../eventSourcing/reactor.js';
import type { ReadView } from '../eventSourcing/projection.js';
import type { EventStore } from '../ports/eventStore.js';
import type { MailMessage, Mailer } from '../ports/mailer.js';
import { loadAppointment } from './appointmentStreams.js';
import type { InviteFor } from './appointmentInvite.js';

/** Patients without a time zone of their own see times in India's. */
export const DEFAULT_PATIENT_TIMEZONE = 'Asia/Kolkata';

const NAME = 'booking-mail';

interface UserDoc {
  id: string;
  name: string;
  email: string;
  timezone?: string;
  [field: string]: unknown;
}

export function formatInZone(iso: string, timezone: string): string {
  return new Intl.DateTimeFormat('en-IN', {
    timeZone: timezone, weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', hour: 'numeric', minute: '2-digit', timeZoneName: 'short',
  }).format(new Date(iso));
}

const rupees = (paise: number): string => `₹${(paise / 100).toFixed(2)}`;

/** "Dr. Rao", unless the doctor's name already carries the title ("Dr Ananya Iyer"). */
export function doctorAddress(name: string): string {
  return /^dr\.?\s/i.test(name) ? name : `Dr. ${name}`;
}

function compose(event: AppointmentEvent, a: ExistingAppointment, doctorName: string, tz: string): Omit<MailMessage, 'to' | 'idempotencyKey'> | null {
  const doctor = doctorAddress(doctorName);
  switch (event.type) {
    case 'AppointmentConfirmed':
      return {
        subject: `Appointment confirmed with ${doctor}`,
        text: `Your appointment with ${doctor} on ${formatInZone(a.start, tz)} is confirmed. `
          + `Paid: ${rupees(event.data.paidPaise)}. Appointment id: ${a.appointmentId}.`,
      };
    case 'AppointmentRescheduled':
      return {
        subject: `Appointment with ${doctor} rescheduled`,
        text: `Your appointment with ${doctor} has moved from ${formatInZone(event.data.previousStart, tz)} `
          + `to ${formatInZone(event.data.start, tz)}. Appointment id: ${a.appointmentId}.`,
      };
    case 'AppointmentCancelled': {
      const refund = event.data.refund;
      const refundLine = refund
        ? `A refund of ${rupees(refund.amountPaise)} will go to ${refund.destination === 'wallet' ? 'your HealthVision wallet' : 'your original payment method'}.`
        : 'Nothing was paid, so there is nothing to refund.';
      return {
        subject: `Appointment with ${doctor} cancelled`,
        text: `Your appointment with ${doctor} on ${formatInZone(a.start, tz)} was cancelled by the ${event.data.by}. ${refundLine}`,
      };
    }
    default:
      return null;
  }
}

/**
 * Tells the patient when a booking is confirmed, moved or cancelled, with a calendar invitation. The
 * mail's idempotency key is this reactor's name plus the event id, so a replayed event sends nothing new.
 */
export function bookingMailReactor(deps: { events: EventStore; reads: ReadView; mailer: Mailer; invite: InviteFor }): Reactor {
  return {
    name: NAME,
    handles: ['AppointmentConfirmed', 'AppointmentRescheduled', 'AppointmentCancelled'],
    async react(recorded) {
      const event = { type: recorded.type, data: recorded.data } as AppointmentEvent;
      const appointment = await loadAppointment(deps.events, event.data.appointmentId);
      if (appointment.status === 'none') return;
      const patient = await deps.reads.get<UserDoc>('users', appointment.patientId);
      // An appointment of an account unknown to identity has no one to write to.
      if (!patient?.email) return;
      const doctor = await deps.reads.get<UserDoc>('users', appointment.doctorId);
      const message = compose(event, appointment, doctor?.name ?? 'your doctor', patient.timezone || DEFAULT_PATIENT_TIMEZONE);
      if (!message) return;
      const invite = await deps.invite(recorded);
      await deps.mailer.send({
        ...message, to: patient.email, idempotencyKey: `${NAME}:${recorded.metadata.eventId}`, ...(invite ? { attachments: [invite] } : {}),
      });
    },
  };
}
