import type { Appointment } from './appointment.js';

/** One reminder of one appointment start: sent `offsetMinutes` before `start`. */
export interface Reminder {
  appointmentId: string;
  offsetMinutes: number;
  start: string;
  runAt: string;
}

/**
 * The reminders a confirmed appointment should have, and the offsets that should have none: a
 * reminder whose time has already come when it is planned is skipped, not sent late (the confirmation
 * or reschedule e-mail just went out, and a "starts in 24 hours" an hour before the start would mislead).
 */
export function planReminders(appointment: Appointment, offsetsMinutes: readonly number[], now: string): { due: Reminder[]; none: number[] } {
  if (appointment.status !== 'confirmed') return { due: [], none: [...offsetsMinutes] };
  const due: Reminder[] = [];
  const none: number[] = [];
  for (const offsetMinutes of offsetsMinutes) {
    const runAt = Date.parse(appointment.start) - offsetMinutes * 60_000;
    if (runAt > Date.parse(now)) due.push({ appointmentId: appointment.appointmentId, offsetMinutes, start: appointment.start, runAt: new Date(runAt).toISOString() });
    else none.push(offsetMinutes);
  }
  return { due, none };
}

/**
 * At fire time the appointment's own stream decides: a reminder goes out only while the appointment
 * is still confirmed for the start it was planned for, and before that start.
 */
export function reminderStillApplies(appointment: Appointment, reminder: { start: string }, now: string): boolean {
  return appointment.status === 'confirmed' && appointment.start === reminder.start && Date.parse(now) < Date.parse(reminder.start);
}

/** "24 hours", "1 hour", "90 minutes": how far ahead the reminder speaks of. */
export function leadTime(offsetMinutes: number): string {
  if (offsetMinutes % 60 === 0) {
    const hours = offsetMinutes / 60;
    return hours === 1 ? '1 hour' : `${hours} hours`;
  }
  return offsetMinutes === 1 ? '1 minute' : `${offsetMinutes} minutes`;
}
