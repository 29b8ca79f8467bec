import { zonedToUtc } from '../scheduling/availability.js';

const DAY_MS = 24 * 3600_000;
const HOUR_MS = 3600_000;

/** The first instant of a local day; where midnight falls in a clock change, the first hour that exists. */
function startOfLocalDay(timezone: string, localMidnightMs: number): number {
  for (let h = 0; h < 24; h += 1) {
    const utc = zonedToUtc(timezone, localMidnightMs + h * HOUR_MS);
    if (utc !== null) return utc;
  }
  return localMidnightMs;
}

/** The UTC range [from, to) of a calendar day (`YYYY-MM-DD`) in a time zone, DST days included. */
export function localDayRange(date: string, timezone: string): { from: string; to: string } {
  const midnight = Date.parse(`${date}T00:00:00.000Z`);
  return {
    from: new Date(startOfLocalDay(timezone, midnight)).toISOString(),
    to: new Date(startOfLocalDay(timezone, midnight + DAY_MS)).toISOString(),
  };
}

/** Today's date in a time zone, `YYYY-MM-DD`. */
export function localDate(now: string, timezone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(now));
}
