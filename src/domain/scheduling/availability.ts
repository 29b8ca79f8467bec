import { Invalid } from '../shared/errors.js';

/**
 * A doctor's weekly template, entered in their own time zone, expanded into UTC slot times.
 * Intl supplies the zone's offsets (pure data, no I/O), so daylight-saving changes land correctly.
 */
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface WeeklyRange {
  day: Weekday;
  /** Local wall time "HH:MM". */
  start: string;
  end: string;
}

export interface AvailabilityTemplate {
  timezone: string;
  slotMinutes: number;
  /** How many local calendar days to cover, today included. */
  days: number;
  weekly: WeeklyRange[];
}

export interface SlotTime {
  start: string;
  end: string;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$|^24:00$/;
const MINUTE = 60_000;

function minutesOf(hhmm: string, path: string): number {
  const match = HHMM.exec(hhmm);
  if (!match) throw new Invalid('invalid_availability', `${path} must be a time "HH:MM".`);
  if (hhmm === '24:00') return 24 * 60;
  return Number(match[1]) * 60 + Number(match[2]);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timezone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timezone);
  if (!formatter) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone: timezone, hourCycle: 'h23',
        year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
      });
    } catch {
      throw new Invalid('invalid_timezone', `${timezone} is not an IANA time zone.`);
    }
    formatters.set(timezone, formatter);
  }
  return formatter;
}

export function assertTimezone(timezone: string): void {
  formatterFor(timezone);
}

/** The zone's wall clock at `epochMs`, read back as if it were UTC. */
function wallClockMs(timezone: string, epochMs: number): number {
  const parts: Record<string, number> = {};
  for (const p of formatterFor(timezone).formatToParts(new Date(epochMs))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
}

/**
 * The UTC instant of a local wall time, or null if that wall time does not exist (a spring-forward
 * gap). For a repeated hour (fall back) the earlier instant is chosen.
 */
export function zonedToUtc(timezone: string, localMs: number): number | null {
  const firstGuess = localMs - (wallClockMs(timezone, localMs) - localMs);
  const candidates = [firstGuess, localMs - (wallClockMs(timezone, firstGuess) - firstGuess)]
    .filter((t) => wallClockMs(timezone, t) === localMs)
    .sort((a, b) => a - b);
  return candidates[0] ?? null;
}

/**
 * One publish may create at most this many slots (10-minute slots, 12 hours a day, 90 days is 6,480):
 * more is no clinic's week but a request that would hold the event loop for seconds.
 */
export const MAX_SLOTS_PER_PUBLISH = 10_000;

export function validateTemplate(template: AvailabilityTemplate): void {
  assertTimezone(template.timezone);
  if (!Number.isInteger(template.slotMinutes) || template.slotMinutes < 5 || template.slotMinutes > 480) {
    throw new Invalid('invalid_availability', 'slotMinutes must be a whole number from 5 to 480.');
  }
  if (!Number.isInteger(template.days) || template.days < 1 || template.days > 90) {
    throw new Invalid('invalid_availability', 'days must be a whole number from 1 to 90.');
  }
  const byDay = new Map<Weekday, Array<[number, number]>>();
  template.weekly.forEach((range, i) => {
    const from = minutesOf(range.start, `weekly.${i}.start`);
    const to = minutesOf(range.end, `weekly.${i}.end`);
    if (to <= from) throw new Invalid('invalid_availability', `weekly.${i}: the range must end after it starts.`);
    if (to - from < template.slotMinutes) {
      throw new Invalid('invalid_availability', `weekly.${i}: the range is shorter than one slot.`);
    }
    const ranges = byDay.get(range.day) ?? [];
    if (ranges.some(([a, b]) => from < b && a < to)) {
      throw new Invalid('invalid_availability', `weekly.${i}: the range overlaps another range on ${range.day}.`);
    }
    byDay.set(range.day, [...ranges, [from, to]]);
  });
}

/** Every slot of the template from the local day containing `now` onwards; slots not after `now` are skipped. */
export function expandAvailability(template: AvailabilityTemplate, now: string): SlotTime[] {
  validateTemplate(template);
  const nowMs = Date.parse(now);
  const today = new Date(wallClockMs(template.timezone, nowMs));
  const slots: SlotTime[] = [];
  for (let d = 0; d < template.days; d += 1) {
    const dayMs = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + d);
    const weekday = WEEKDAYS[new Date(dayMs).getUTCDay()];
    for (const range of template.weekly.filter((r) => r.day === weekday)) {
      const to = minutesOf(range.end, 'end');
      for (let m = minutesOf(range.start, 'start'); m + template.slotMinutes <= to; m += template.slotMinutes) {
        const start = zonedToUtc(template.timezone, dayMs + m * MINUTE);
        if (start === null || start <= nowMs) continue;
        slots.push({ start: new Date(start).toISOString(), end: new Date(start + template.slotMinutes * MINUTE).toISOString() });
      }
    }
  }
  if (slots.length > MAX_SLOTS_PER_PUBLISH) {
    throw new Invalid('too_many_slots',
      `This template would publish ${slots.length} slots at once (at most ${MAX_SLOTS_PER_PUBLISH}); publish fewer days or longer slots.`);
  }
  return slots.sort((a, b) => a.start.localeCompare(b.start));
}
