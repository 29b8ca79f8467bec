import ICAL from 'ical.js';
import type { InviteMethod } from '../../domain/appointments/calendarEntry.js';
import type { CalendarEvent, CalendarFiles } from '../../application/ports/calendarFiles.js';

const PRODID = '-//HealthVision//Appointments//EN';

const utc = (iso: string) => ICAL.Time.fromJSDate(new Date(iso), true);

/** "HealthVision <no-reply@x>" → its name and address; a bare address stands for both. */
export function mailbox(from: string): { name: string; email: string } {
  const match = /^\s*(.*?)\s*<([^>]+)>\s*$/.exec(from);
  return match ? { name: match[1] || match[2], email: match[2] } : { name: from.trim(), email: from.trim() };
}

function person(component: ICAL.Component, property: 'organizer' | 'attendee', who: { name: string; email: string }): ICAL.Property {
  const added = component.addPropertyWithValue(property, `mailto:${who.email}`);
  added.setParameter('cn', who.name);
  return added;
}

/**
 * iCalendar files built with ical.js (escaping, folding and date forms as RFC 5545 wants them). An
 * invitation is an iTIP message (RFC 5546): METHOD, ORGANIZER and the attendees; the feed is a plain
 * published calendar, so a subscribed client shows each appointment at its current time.
 */
export function icalCalendarFiles(settings: { organizer: { name: string; email: string } }): CalendarFiles {
  function vevent(event: CalendarEvent, cancelled: boolean, withPeople: boolean): ICAL.Component {
    const { entry } = event;
    const component = new ICAL.Component('vevent');
    component.addPropertyWithValue('uid', entry.uid);
    component.addPropertyWithValue('sequence', entry.sequence);
    component.addPropertyWithValue('dtstamp', utc(event.stampedAt));
    component.addPropertyWithValue('dtstart', utc(entry.start));
    component.addPropertyWithValue('dtend', utc(entry.end));
    component.addPropertyWithValue('summary', event.summary);
    component.addPropertyWithValue('description', event.description);
    component.addPropertyWithValue('status', cancelled ? 'CANCELLED' : 'CONFIRMED');
    if (event.url) component.addPropertyWithValue('url', event.url);
    if (withPeople) {
      person(component, 'organizer', settings.organizer);
      for (const attendee of event.attendees) {
        const added = person(component, 'attendee', attendee);
        added.setParameter('role', 'REQ-PARTICIPANT');
        added.setParameter('partstat', cancelled ? 'DECLINED' : 'ACCEPTED');
      }
    }
    return component;
  }

  function calendar(method: InviteMethod | null, events: ICAL.Component[], name?: string): string {
    const root = new ICAL.Component(['vcalendar', [], []]);
    root.addPropertyWithValue('prodid', PRODID);
    root.addPropertyWithValue('version', '2.0');
    root.addPropertyWithValue('calscale', 'GREGORIAN');
    if (method) root.addPropertyWithValue('method', method);
    if (name) root.addPropertyWithValue('x-wr-calname', name);
    for (const event of events) root.addSubcomponent(event);
    // Every content line ends in CRLF, the last one too.
    return `${root.toString()}\r\n`;
  }

  return {
    invite: (event, method) => calendar(method, [vevent(event, method === 'CANCEL', true)]),
    feed: (name, events) => calendar(null, events.map((e) => vevent(e, e.entry.status === 'cancelled', false)), name),
  };
}
