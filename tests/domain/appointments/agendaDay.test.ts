import { describe, expect, it } from '@jest/globals';
import { localDate, localDayRange } from '../../../src/domain/appointments/agendaDay.js';

describe('a doctor\'s day in their time zone', () => {
  it.each([
    ['Kolkata', '2030-01-08', 'Asia/Kolkata', '2030-01-07T18:30:00.000Z', '2030-01-08T18:30:00.000Z'],
    ['UTC', '2030-01-08', 'UTC', '2030-01-08T00:00:00.000Z', '2030-01-09T00:00:00.000Z'],
    ['New York, the 23-hour spring-forward day', '2030-03-10', 'America/New_York', '2030-03-10T05:00:00.000Z', '2030-03-11T04:00:00.000Z'],
    ['Santiago, where midnight is skipped', '2030-09-08', 'America/Santiago', '2030-09-08T04:00:00.000Z', '2030-09-09T03:00:00.000Z'],
  ])('%s', (_, date, zone, from, to) => {
    expect(localDayRange(date, zone)).toEqual({ from, to });
  });

  it('today is the date on the doctor\'s wall clock', () => {
    expect(localDate('2030-01-07T20:00:00.000Z', 'Asia/Kolkata')).toBe('2030-01-08');
    expect(localDate('2030-01-07T20:00:00.000Z', 'America/New_York')).toBe('2030-01-07');
  });
});
