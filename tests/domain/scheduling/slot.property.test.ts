import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  bookSlot, evolve, holdSlot, initialSlot, publishSlot, releaseSlot, withdrawSlot, type Slot, type SlotEvent,
} from '../../../src/domain/scheduling/slot.js';
import { DomainError } from '../../../src/domain/shared/errors.js';

const slotId = 'doc-1:2030-01-10T04:00:00.000Z';
const base = Date.parse('2030-01-09T00:00:00.000Z');
const iso = (minutes: number) => new Date(base + minutes * 60_000).toISOString();

type Command =
  | { kind: 'hold'; appointment: number; at: number; ttl: number }
  | { kind: 'book'; appointment: number }
  | { kind: 'release'; appointment: number; reason: 'payment_timeout' | 'cancelled' }
  | { kind: 'withdraw'; at: number }
  | { kind: 'publish' };

const appointment = fc.integer({ min: 1, max: 4 });
const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant('hold' as const), appointment, at: fc.integer({ min: 0, max: 120 }), ttl: fc.integer({ min: 1, max: 30 }) }),
  fc.record({ kind: fc.constant('book' as const), appointment }),
  fc.record({ kind: fc.constant('release' as const), appointment, reason: fc.constantFrom('payment_timeout' as const, 'cancelled' as const) }),
  fc.record({ kind: fc.constant('withdraw' as const), at: fc.integer({ min: 0, max: 120 }) }),
  fc.constant({ kind: 'publish' as const }),
);

function decide(slot: Slot, c: Command): SlotEvent[] {
  const a = `a${'appointment' in c ? c.appointment : 0}`;
  switch (c.kind) {
    case 'publish':
      return publishSlot(slot, { slotId, doctorId: 'doc-1', start: '2030-01-10T04:00:00.000Z', end: '2030-01-10T04:30:00.000Z', feePaise: 1, now: iso(0) });
    case 'hold':
      return holdSlot(slot, { slotId, appointmentId: a, patientId: `p-${a}`, now: iso(c.at), expiresAt: iso(c.at + c.ttl), notBefore: iso(c.at) });
    case 'book':
      return bookSlot(slot, { slotId, appointmentId: a });
    case 'release':
      return releaseSlot(slot, { appointmentId: a, reason: c.reason });
    case 'withdraw':
      return withdrawSlot(slot, { slotId, doctorId: 'doc-1', now: iso(c.at) });
  }
}

describe('the slot decider under any sequence of commands', () => {
  it('never lets two appointments have the slot, never books what was not held by the same appointment, never releases another\'s booking', () => {
    fc.assert(fc.property(fc.array(command, { maxLength: 40 }), (commands) => {
      let slot: Slot = initialSlot;
      for (const c of commands) {
        let events: SlotEvent[];
        try {
          events = decide(slot, c);
        } catch (error) {
          // Refusals are domain errors, and a refusal changes nothing.
          expect(error).toBeInstanceOf(DomainError);
          continue;
        }
        for (const e of events) {
          if (e.type === 'SlotBooked') expect(slot).toMatchObject({ status: 'held', appointmentId: e.data.appointmentId });
          // A lapsed hold is released first (in the same decision), so a hold only ever lands on a free slot.
          if (e.type === 'SlotHeld') expect(slot.status).toBe('free');
          if (e.type === 'SlotReleased') expect(slot).toMatchObject({ appointmentId: e.data.appointmentId });
          if (e.type === 'SlotReleased' && e.data.reason === 'payment_timeout') expect(slot.status).toBe('held');
          slot = evolve(slot, e);
        }
        if (c.kind === 'hold' && events.length > 0) expect(slot).toMatchObject({ status: 'held', appointmentId: `a${c.appointment}` });
      }
    }), { numRuns: 500 });
  });
});
