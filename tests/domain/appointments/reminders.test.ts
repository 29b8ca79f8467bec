import { describe, expect, it } from '@jest/globals';
import type { Appointment } from '../../../src/domain/appointments/appointment.js';
import { leadTime, planReminders, reminderStillApplies } from '../../../src/domain/appointments/reminders.js';

const START = '2030-01-08T03:30:00.000Z';
const appointment = (status: Appointment['status'], start = START): Appointment => (status === 'none' ? { status } : {
  status, appointmentId: 'a1', patientId: 'p1', doctorId: 'd1', slotId: 's1', start, end: '2030-01-08T04:00:00.000Z',
  feePaise: 100, holdExpiresAt: START, payment: null,
});
const hoursBefore = (h: number) => new Date(Date.parse(START) - h * 3600_000).toISOString();

describe('planning reminders', () => {
  it.each([
    ['two days ahead: both', hoursBefore(48), [1440, 60], []],
    ['twelve hours ahead: the 24 h one has passed', hoursBefore(12), [60], [1440]],
    ['30 minutes ahead: none left', hoursBefore(0.5), [], [1440, 60]],
    ['exactly at the 1 h mark: that one is due now, so skipped', hoursBefore(1), [], [1440, 60]],
  ])('a confirmed appointment %s', (_, now, due, none) => {
    const plan = planReminders(appointment('confirmed'), [1440, 60], now);
    expect(plan.due.map((r) => r.offsetMinutes)).toEqual(due);
    expect(plan.none).toEqual(none);
  });

  it('plans each reminder at its offset before the start', () => {
    expect(planReminders(appointment('confirmed'), [1440, 60], hoursBefore(48)).due).toEqual([
      { appointmentId: 'a1', offsetMinutes: 1440, start: START, runAt: '2030-01-07T03:30:00.000Z' },
      { appointmentId: 'a1', offsetMinutes: 60, start: START, runAt: '2030-01-08T02:30:00.000Z' },
    ]);
  });

  it.each(['pending_payment', 'cancelled', 'expired', 'completed', 'missed', 'none'] as const)('a %s appointment has none', (status) => {
    expect(planReminders(appointment(status), [1440, 60], hoursBefore(48))).toEqual({ due: [], none: [1440, 60] });
  });
});

describe('a reminder at fire time', () => {
  it.each([
    ['confirmed for the planned start, before it', appointment('confirmed'), hoursBefore(1), true],
    ['moved to another start', appointment('confirmed', '2030-01-09T03:30:00.000Z'), hoursBefore(1), false],
    ['cancelled', appointment('cancelled'), hoursBefore(1), false],
    ['firing only after the start (the scheduler was down)', appointment('confirmed'), hoursBefore(-0.1), false],
  ])('%s → sends: %s', (_, state, now, sends) => {
    expect(reminderStillApplies(state, { start: START }, now)).toBe(sends);
  });
});

describe('lead time in words', () => {
  it.each([[1440, '24 hours'], [60, '1 hour'], [90, '90 minutes'], [1, '1 minute'], [120, '2 hours']])('%i minutes → %s', (minutes, words) => {
    expect(leadTime(minutes)).toBe(words);
  });
});
