import type { Clock } from '../../src/application/ports/clock.js';

/** A clock tests move by hand; it never moves on its own. */
export class FakeClock implements Clock {
  private current: number;

  constructor(start: Date | string = '2030-01-07T03:30:00.000Z') {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  set(at: Date | string): void {
    this.current = new Date(at).getTime();
  }

  advance(ms: number): void {
    this.current += ms;
  }

  advanceMinutes(minutes: number): void {
    this.advance(minutes * 60_000);
  }
}
