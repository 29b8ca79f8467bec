import { describe, expect, it } from '@jest/globals';
import {
  bookSlot, evolve, holdSlot, initialSlot, publishSlot, releaseSlot, withdrawSlot,
  SlotInUse, SlotUnavailable, type Slot, type SlotEvent,
} from '../../../src/domain/scheduling/slot.js';
import { NotFound } from '../../../src/domain/shared/errors.js';

const slotId = 'doc-1:2030-01-10T04:00:00.000Z';
const doctorId = 'doc-1';
const start = '2030-01-10T04:00:00.000Z';
const end = '2030-01-10T04:30:00.000Z';
const now = '2030-01-09T04:00:00.000Z';
const later = '2030-01-09T04:15:00.000Z';
const earlier = '2030-01-09T03:45:00.000Z';

const published: SlotEvent = { type: 'SlotPublished', data: { slotId, doctorId, start, end, feePaise: 50000 } };
const held = (appointmentId: string, expiresAt: string): SlotEvent =>
  ({ type: 'SlotHeld', data: { slotId, doctorId, appointmentId, patientId: `patient-of-${appointmentId}`, expiresAt } });
const booked = (appointmentId: string): SlotEvent => ({ type: 'SlotBooked', data: { slotId, doctorId, appointmentId } });
const released = (appointmentId: string, reason: 'payment_timeout' | 'hold_expired' | 'cancelled' | 'rescheduled'): SlotEvent =>
  ({ type: 'SlotReleased', data: { slotId, doctorId, appointmentId, reason } });
const withdrawn: SlotEvent = { type: 'SlotWithdrawn', data: { slotId, doctorId } };

const given = (events: SlotEvent[]): Slot => events.reduce(evolve, initialSlot);
const hold = (appointmentId: string, at = now) => ({
  slotId, appointmentId, patientId: `patient-of-${appointmentId}`, now: at, expiresAt: later, notBefore: '2030-01-09T04:30:00.000Z',
});

describe('publishing a slot', () => {
  const cmd = { slotId, doctorId, start, end, feePaise: 50000, now };
  it.each<[string, SlotEvent[], SlotEvent[]]>([
    ['a new slot is published', [], [published]],
    ['publishing again changes nothing', [published], []],
    ['a held slot is left as it is', [published, held('a1', later)], []],
    ['a withdrawn slot comes back', [published, withdrawn], [published]],
  ])('%s', (_, history, then) => expect(publishSlot(given(history), cmd)).toEqual(then));

  it.each([
    ['a slot in the past', { ...cmd, now: start }],
    ['a zero-length slot', { ...cmd, end: start }],
  ])('%s is refused', (_, bad) => expect(() => publishSlot(initialSlot, bad)).toThrow('slot'));
});

describe('holding a slot', () => {
  it.each<[string, SlotEvent[], SlotEvent[]]>([
    ['a free slot', [published], [held('a2', later)]],
    ['a slot whose hold lapsed (stale-hold takeover)', [published, held('a1', earlier)], [released('a1', 'hold_expired'), held('a2', later)]],
    ['a slot whose hold lapsed exactly now', [published, held('a1', now)], [released('a1', 'hold_expired'), held('a2', later)]],
    ['a slot released after a timeout', [published, held('a1', earlier), released('a1', 'payment_timeout')], [held('a2', later)]],
    ['a slot freed by a cancellation', [published, held('a1', later), booked('a1'), released('a1', 'cancelled')], [held('a2', later)]],
  ])('%s can be held', (_, history, then) => expect(holdSlot(given(history), hold('a2'))).toEqual(then));

  it.each<[string, SlotEvent[], new (...args: never[]) => Error]>([
    ['a live hold', [published, held('a1', later)], SlotUnavailable],
    ['a booking', [published, held('a1', earlier), booked('a1')], SlotUnavailable],
    ['a withdrawn slot', [published, withdrawn], SlotUnavailable],
    ['an unknown slot', [], SlotUnavailable],
  ])('%s refuses a new hold', (_, history, error) => expect(() => holdSlot(given(history), hold('a2'))).toThrow(error));

  it('a retried hold by the same appointment is a no-op', () => {
    expect(holdSlot(given([published, held('a2', later)]), hold('a2'))).toEqual([]);
  });

  it('a slot starting within the minimum notice cannot be held', () => {
    expect(() => holdSlot(given([published]), { ...hold('a2'), notBefore: '2030-01-10T04:00:00.001Z' })).toThrow(SlotUnavailable);
  });
});

describe('booking a held slot', () => {
  it.each<[string, SlotEvent[], SlotEvent[]]>([
    ['its own hold becomes a booking', [published, held('a1', later)], [booked('a1')]],
    ['a lapsed but untaken hold still books', [published, held('a1', earlier)], [booked('a1')]],
    ['booking twice is a no-op', [published, held('a1', later), booked('a1')], []],
  ])('%s', (_, history, then) => expect(bookSlot(given(history), { slotId, appointmentId: 'a1' })).toEqual(then));

  it.each<[string, SlotEvent[]]>([
    ['a hold released by timeout', [published, held('a1', earlier), released('a1', 'payment_timeout')]],
    ['a slot taken over by someone else', [published, held('a1', earlier), released('a1', 'hold_expired'), held('a2', later)]],
    ['a free slot never held', [published]],
  ])('%s cannot be booked', (_, history) => expect(() => bookSlot(given(history), { slotId, appointmentId: 'a1' })).toThrow(SlotUnavailable));
});

describe('releasing a slot', () => {
  it.each<[string, SlotEvent[], 'payment_timeout' | 'cancelled', SlotEvent[]]>([
    ['an unpaid hold times out', [published, held('a1', later)], 'payment_timeout', [released('a1', 'payment_timeout')]],
    ['a timeout after payment does nothing', [published, held('a1', later), booked('a1')], 'payment_timeout', []],
    ['a timeout after a takeover does nothing', [published, held('a1', earlier), released('a1', 'hold_expired'), held('a2', later)], 'payment_timeout', []],
    ['a second timeout does nothing', [published, held('a1', later), released('a1', 'payment_timeout')], 'payment_timeout', []],
    ['a cancellation frees a booking', [published, held('a1', later), booked('a1')], 'cancelled', [released('a1', 'cancelled')]],
    ['a free slot stays free', [published], 'cancelled', []],
  ])('%s', (_, history, reason, then) => expect(releaseSlot(given(history), { appointmentId: 'a1', reason })).toEqual(then));
});

describe('withdrawing a slot', () => {
  const cmd = { slotId, doctorId, now };
  it.each<[string, SlotEvent[], SlotEvent[]]>([
    ['a free slot is withdrawn', [published], [withdrawn]],
    ['a lapsed hold does not stop it', [published, held('a1', earlier)], [released('a1', 'hold_expired'), withdrawn]],
    ['withdrawing twice is a no-op', [published, withdrawn], []],
  ])('%s', (_, history, then) => expect(withdrawSlot(given(history), cmd)).toEqual(then));

  it.each<[string, SlotEvent[], new (...args: never[]) => Error]>([
    ['a live hold', [published, held('a1', later)], SlotInUse],
    ['a booking', [published, held('a1', later), booked('a1')], SlotInUse],
    ['an unknown slot', [], NotFound],
  ])('%s refuses withdrawal', (_, history, error) => expect(() => withdrawSlot(given(history), cmd)).toThrow(error));

  it('another doctor cannot withdraw it', () => {
    expect(() => withdrawSlot(given([published]), { ...cmd, doctorId: 'doc-2' })).toThrow(NotFound);
  });
});
