import type { CalendarEntry, InviteMethod } from '../../domain/appointments/calendarEntry.js';

/** What a calendar file says about an entry besides its times: words and people. */
export interface CalendarEvent {
  entry: CalendarEntry;
  summary: string;
  description: string;
  /** When the fact behind this copy was recorded (DTSTAMP): a replay renders the same file. */
  stampedAt: string;
  attendees: Array<{ name: string; email: string }>;
  /** A link to open the consultation, when there is one to give. */
  url?: string;
}

/** Renders iCalendar (RFC 5545) text: an invitation to one entry, or a subscription feed of many. */
export interface CalendarFiles {
  invite(event: CalendarEvent, method: InviteMethod): string;
  feed(name: string, events: readonly CalendarEvent[]): string;
}
