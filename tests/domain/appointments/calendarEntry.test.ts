import { describe, expect, it } from '@jest/globals';
import type { AppointmentEvent } from '../../../src/domain/appointments/appointment.js';
import { calendarEntryOf, inviteMethodOf } from '../../../src/domain/appointments/calendarEntry.js';

const requested: AppointmentEvent = {
  type: 'AppointmentRequested',
  data: {
    appointmentId: 'a1', patientId: 'p1', doctorId: 'd1', slotId: 'd1:s1', start: '2030-01-08T03:30:00.000Z',
    end: '2030-01-08T04:00:00.000Z', feePaise: 50_000, holdExpiresAt: '2030-01-07T03:45:00.000Z',
  },
};
const confirmed: AppointmentEvent = { type: 'AppointmentConfirmed', data: { appointmentId: 'a1', paymentId: 'pay1', method: 'wallet', paidPaise: 50_000 } };
const moved = (start: string, end: string): AppointmentEvent => ({
  type: 'AppointmentRescheduled',
  data: { appointmentId: 'a1', fromSlotId: 'x', toSlotId: 'y', previousStart: 'p', previousEnd: 'q', start, end },
});
const cancelled: AppointmentEvent = { type: 'AppointmentCancelled', data: { appointmentId: 'a1', by: 'patient', reason: '', refund: null } };
const later = moved('2030-01-09T03:30:00.000Z', '2030-01-09T04:00:00.000Z');
const evenLater = moved('2030-01-10T03:30:00.000Z', '2030-01-10T04:00:00.000Z');

describe('an appointment as a calendar entry', () => {
  it.each([
    ['a confirmation', [requested, confirmed], { sequence: 0, status: 'confirmed', start: '2030-01-08T03:30:00.000Z' }, 'REQUEST'],
    ['a reschedule', [requested, confirmed, later], { sequence: 1, status: 'confirmed', start: '2030-01-09T03:30:00.000Z' }, 'REQUEST'],
    ['two reschedules', [requested, confirmed, later, evenLater], { sequence: 2, end: '2030-01-10T04:00:00.000Z' }, 'REQUEST'],
    ['a cancellation after a reschedule', [requested, confirmed, later, cancelled], { sequence: 2, status: 'cancelled', start: '2030-01-09T03:30:00.000Z' }, 'CANCEL'],
  ])('after %s', (_, history, expected, method) => {
    const entry = calendarEntryOf(history as AppointmentEvent[])!;
    expect(entry).toMatchObject({ uid: 'appointment-a1@healthvision', ...expected });
    expect(inviteMethodOf(entry)).toBe(method);
  });

  it('keeps one UID and a SEQUENCE that only grows along the stream', () => {
    const history = [requested, confirmed, later, evenLater, cancelled];
    const entries = history.map((_, i) => calendarEntryOf(history.slice(0, i + 1))!);
    expect(new Set(entries.map((e) => e.uid)).size).toBe(1);
    const sequences = entries.slice(1).map((e) => e.sequence);
    expect(sequences).toEqual([0, 1, 2, 3]);
  });

  it('is nothing before the appointment was requested', () => {
    expect(calendarEntryOf([])).toBeNull();
  });
});
