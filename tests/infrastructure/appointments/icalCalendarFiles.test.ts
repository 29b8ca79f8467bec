import { describe, expect, it } from '@jest/globals';
import ICAL from 'ical.js';
import type { CalendarEvent } from '../../../src/application/ports/calendarFiles.js';
import { icalCalendarFiles, mailbox } from '../../../src/infrastructure/appointments/icalCalendarFiles.js';

const files = icalCalendarFiles({ organizer: mailbox('HealthVision <no-reply@healthvision.local>') });
const event = (over: Partial<CalendarEvent['entry']> = {}): CalendarEvent => ({
  entry: {
    uid: 'appointment-a1@healthvision', appointmentId: 'a1', patientId: 'p1', doctorId: 'd1',
    start: '2030-01-08T03:30:00.000Z', end: '2030-01-08T04:00:00.000Z', status: 'confirmed', sequence: 2, ...over,
  },
  summary: 'Consultation with Dr. Rao, Cardiology; room 1',
  description: 'A long description that goes past the seventy-five octet line limit, so the file must fold this line.',
  stampedAt: '2030-01-07T03:30:00.000Z',
  attendees: [{ name: 'Asha', email: 'asha@example.com' }, { name: 'Dr. Rao', email: 'rao@example.com' }],
  url: 'http://localhost:5000/demo/consultation?appointmentId=a1',
});

const parse = (text: string) => new ICAL.Component(ICAL.parse(text));

describe('iCalendar files', () => {
  it('an invitation is one VEVENT with METHOD, UID, SEQUENCE, times in UTC, organizer and attendees', () => {
    const calendar = parse(files.invite(event(), 'REQUEST'));
    expect(calendar.getFirstPropertyValue('method')).toBe('REQUEST');
    expect(calendar.getFirstPropertyValue('version')).toBe('2.0');
    expect(calendar.getFirstPropertyValue('prodid')).toBeTruthy();
    const vevents = calendar.getAllSubcomponents('vevent');
    expect(vevents).toHaveLength(1);
    const parsed = new ICAL.Event(vevents[0]);
    expect(parsed.uid).toBe('appointment-a1@healthvision');
    expect(parsed.sequence).toBe(2);
    expect(parsed.startDate.toJSDate().toISOString()).toBe('2030-01-08T03:30:00.000Z');
    expect(parsed.endDate.toJSDate().toISOString()).toBe('2030-01-08T04:00:00.000Z');
    expect(parsed.summary).toBe('Consultation with Dr. Rao, Cardiology; room 1');
    expect(parsed.organizer).toBe('mailto:no-reply@healthvision.local');
    expect(parsed.attendees.map((a) => a.getFirstValue())).toEqual(['mailto:asha@example.com', 'mailto:rao@example.com']);
    expect(vevents[0].getFirstPropertyValue('dtstamp')?.toString()).toBe('2030-01-07T03:30:00Z');
    expect(vevents[0].getFirstPropertyValue('status')).toBe('CONFIRMED');
  });

  it('a cancellation says CANCEL and STATUS:CANCELLED', () => {
    const calendar = parse(files.invite(event({ status: 'cancelled', sequence: 3 }), 'CANCEL'));
    expect(calendar.getFirstPropertyValue('method')).toBe('CANCEL');
    expect(calendar.getFirstSubcomponent('vevent')!.getFirstPropertyValue('status')).toBe('CANCELLED');
  });

  it('is RFC 5545 text: CRLF line ends throughout, lines folded to at most 75 octets, commas and semicolons escaped', () => {
    const text = files.invite(event(), 'REQUEST');
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    for (const line of text.split('\r\n')) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
    expect(text).toContain('SUMMARY:Consultation with Dr. Rao\\, Cardiology\\; room 1');
  });

  it('a feed holds one VEVENT per appointment and no METHOD (it is a subscription, not a message)', () => {
    const calendar = parse(files.feed('HealthVision: Dr. Rao', [event(), event({ uid: 'appointment-a2@healthvision', status: 'cancelled' })]));
    expect(calendar.getFirstPropertyValue('method')).toBeNull();
    expect(calendar.getFirstPropertyValue('x-wr-calname')).toBe('HealthVision: Dr. Rao');
    const vevents = calendar.getAllSubcomponents('vevent');
    expect(vevents.map((v) => v.getFirstPropertyValue('uid'))).toEqual(['appointment-a1@healthvision', 'appointment-a2@healthvision']);
    expect(vevents.map((v) => v.getFirstPropertyValue('status'))).toEqual(['CONFIRMED', 'CANCELLED']);
  });
});
