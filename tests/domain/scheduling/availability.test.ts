import { describe, expect, it } from '@jest/globals';
import { expandAvailability, type AvailabilityTemplate } from '../../../src/domain/scheduling/availability.js';
import { Invalid } from '../../../src/domain/shared/errors.js';

// 2030-01-07 is a Monday.
const monday = '2030-01-07T00:00:00.000Z';

const template = (over: Partial<AvailabilityTemplate>): AvailabilityTemplate =>
  ({ timezone: 'Asia/Kolkata', slotMinutes: 30, days: 7, weekly: [{ day: 'mon', start: '09:00', end: '10:00' }], ...over });

describe('expanding a weekly template', () => {
  it('turns local wall times into UTC slot starts in the doctor\'s zone', () => {
    expect(expandAvailability(template({}), monday)).toEqual([
      { start: '2030-01-07T03:30:00.000Z', end: '2030-01-07T04:00:00.000Z' },
      { start: '2030-01-07T04:00:00.000Z', end: '2030-01-07T04:30:00.000Z' },
    ]);
  });

  it('covers the requested number of days and only the listed weekdays', () => {
    const slots = expandAvailability(template({ days: 14, weekly: [{ day: 'wed', start: '18:00', end: '19:00' }] }), monday);
    expect(slots.map((s) => s.start)).toEqual([
      '2030-01-09T12:30:00.000Z', '2030-01-09T13:00:00.000Z', '2030-01-16T12:30:00.000Z', '2030-01-16T13:00:00.000Z',
    ]);
  });

  it('skips slots that already started', () => {
    const slots = expandAvailability(template({}), '2030-01-07T03:45:00.000Z');
    expect(slots.map((s) => s.start)).toEqual(['2030-01-07T04:00:00.000Z']);
  });

  it('drops a trailing part shorter than a slot', () => {
    const slots = expandAvailability(template({ slotMinutes: 40 }), monday);
    expect(slots.map((s) => s.start)).toEqual(['2030-01-07T03:30:00.000Z']);
  });

  it('follows daylight saving: 09:00 in New York is 14:00 UTC in winter and 13:00 UTC in summer', () => {
    // 2030-03-10 is the spring-forward Sunday in the US.
    const t = template({ timezone: 'America/New_York', days: 4, weekly: [{ day: 'sat', start: '09:00', end: '09:30' }, { day: 'mon', start: '09:00', end: '09:30' }] });
    expect(expandAvailability(t, '2030-03-09T00:00:00.000Z').map((s) => s.start))
      .toEqual(['2030-03-09T14:00:00.000Z', '2030-03-11T13:00:00.000Z']);
  });

  it('skips a wall time that does not exist on a spring-forward night', () => {
    const t = template({ timezone: 'America/New_York', days: 1, weekly: [{ day: 'sun', start: '01:30', end: '03:30' }] });
    // Local midnight: 05:00 UTC. 02:00 and 02:30 never happen; 03:00 EDT is 07:00 UTC.
    expect(expandAvailability(t, '2030-03-10T05:00:00.000Z').map((s) => s.start))
      .toEqual(['2030-03-10T06:30:00.000Z', '2030-03-10T07:00:00.000Z']);
  });

  it.each<[string, Partial<AvailabilityTemplate>]>([
    ['a zero-length range', { weekly: [{ day: 'mon', start: '09:00', end: '09:00' }] }],
    ['a range ending before it starts', { weekly: [{ day: 'mon', start: '10:00', end: '09:00' }] }],
    ['overlapping ranges on one day', { weekly: [{ day: 'mon', start: '09:00', end: '11:00' }, { day: 'mon', start: '10:30', end: '12:00' }] }],
    ['a range shorter than one slot', { weekly: [{ day: 'mon', start: '09:00', end: '09:10' }] }],
    ['a malformed time', { weekly: [{ day: 'mon', start: '9am', end: '10:00' }] }],
    ['an unknown time zone', { timezone: 'Mars/Olympus_Mons' }],
    ['zero days', { days: 0 }],
    ['a slot length of zero', { slotMinutes: 0 }],
  ])('%s is invalid', (_, over) => expect(() => expandAvailability(template(over), monday)).toThrow(Invalid));

  it('touching ranges are not overlapping', () => {
    const t = template({ weekly: [{ day: 'mon', start: '09:00', end: '09:30' }, { day: 'mon', start: '09:30', end: '10:00' }] });
    expect(expandAvailability(t, monday)).toHaveLength(2);
  });
});

describe('the size of one publish', () => {
  const everyDay = (['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const).map((day) => ({ day, start: '00:00', end: '23:55' }));

  it('allows a month of 5-minute slots round the clock (8,600-odd slots)', () => {
    expect(expandAvailability(template({ slotMinutes: 5, days: 30, weekly: everyDay }), monday).length).toBeLessThanOrEqual(10_000);
  });

  it('refuses 90 days of 5-minute slots round the clock (about 26,000) before writing anything', () => {
    expect(() => expandAvailability(template({ slotMinutes: 5, days: 90, weekly: everyDay }), monday)).toThrow(/too many|at most 10000/);
  });
});
