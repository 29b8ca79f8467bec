import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../../src/infrastructure/config.js';

describe('REMINDER_OFFSETS_MINUTES', () => {
  it.each([
    ['unset: 24 hours and 1 hour ahead', undefined, [1440, 60]],
    ['a list, spaces allowed, duplicates once', '2880, 60 ,60,15', [2880, 60, 15]],
    ['0 alone: no reminders', '0', []],
  ])('%s', (_, value, offsets) => {
    expect(loadConfig(value === undefined ? {} : { REMINDER_OFFSETS_MINUTES: value }).REMINDER_OFFSETS_MINUTES).toEqual(offsets);
  });

  it.each(['1h', '60,-5', '1440;60', '1.5'])('%s stops start-up naming the variable', (value) => {
    expect(() => loadConfig({ REMINDER_OFFSETS_MINUTES: value })).toThrow(ConfigError);
    expect(() => loadConfig({ REMINDER_OFFSETS_MINUTES: value })).toThrow(/REMINDER_OFFSETS_MINUTES/);
  });
});
