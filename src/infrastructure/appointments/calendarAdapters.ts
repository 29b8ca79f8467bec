import type { CalendarsDeps } from '../../application/appointments/appointmentsDeps.js';
import type { Config } from '../config.js';
import { cryptoFeedSecrets } from './cryptoFeedSecrets.js';
import { icalCalendarFiles, mailbox } from './icalCalendarFiles.js';

/** Links in e-mails and calendars point at PUBLIC_BASE_URL, or this instance on localhost. */
export const publicBaseUrl = (config: Config): string => (config.PUBLIC_BASE_URL ?? `http://localhost:${config.PORT}`).replace(/\/$/, '');

/** The calendar side of the booking context: iCalendar files, feed secrets, links and reminder offsets. */
export function appointmentCalendarAdapters(config: Config): CalendarsDeps {
  const base = publicBaseUrl(config);
  return {
    files: icalCalendarFiles({ organizer: mailbox(config.MAIL_FROM) }),
    secrets: cryptoFeedSecrets,
    reminderOffsetsMinutes: config.REMINDER_OFFSETS_MINUTES,
    // The link names only the appointment: a session token never travels in e-mail (the page takes the visitor's own).
    consultationUrl: (appointmentId) => `${base}/demo/consultation?appointmentId=${encodeURIComponent(appointmentId)}`,
    feedUrl: (token) => `${base}/api/doctors/me/calendar.ics?token=${encodeURIComponent(token)}`,
  };
}
