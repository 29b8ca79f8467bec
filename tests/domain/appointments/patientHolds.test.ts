import { describe, expect, it } from '@jest/globals';
import {
  claimHold, evolve, initialPatientHolds, TooManyHolds, withdrawClaim, type PatientHolds, type PatientHoldsEvent,
} from '../../../src/domain/appointments/patientHolds.js';

const patientId = 'pat-1';
const now = '2030-01-07T03:30:00.000Z';
const later = '2030-01-07T03:45:00.000Z';
const earlier = '2030-01-07T03:29:59.999Z';

const claimed = (appointmentId: string, expiresAt = later): PatientHoldsEvent =>
  ({ type: 'HoldClaimed', data: { patientId, appointmentId, slotId: `slot-of-${appointmentId}`, expiresAt } });
const withdrawn = (appointmentId: string): PatientHoldsEvent => ({ type: 'HoldClaimWithdrawn', data: { patientId, appointmentId } });
const given = (events: PatientHoldsEvent[]): PatientHolds => events.reduce(evolve, initialPatientHolds);
const claim = (appointmentId: string, settled: string[] = []) =>
  ({ patientId, appointmentId, slotId: `slot-of-${appointmentId}`, expiresAt: later, now, settled: new Set(settled) });

describe('claiming a place among a patient\'s unpaid holds', () => {
  it.each([
    ['no holds yet', [], claim('a'), [claimed('a')]],
    ['two live holds', [claimed('a'), claimed('b')], claim('c'), [claimed('c')]],
    ['three holds, one of them lapsed', [claimed('a', earlier), claimed('b'), claimed('c')], claim('d'), [claimed('d')]],
    ['three holds, one of them paid for', [claimed('a'), claimed('b'), claimed('c')], claim('d', ['b']), [claimed('d')]],
    ['three holds, one withdrawn because its slot was taken', [claimed('a'), claimed('b'), claimed('c'), withdrawn('b')], claim('d'), [claimed('d')]],
    ['its own claim already in place (a retried booking)', [claimed('a'), claimed('b'), claimed('c')], claim('c'), []],
  ] as const)('given %s, a booking claims a place', (_, history, when, then) => {
    expect(claimHold(given([...history]), when)).toEqual(then);
  });

  it.each([
    ['three live holds', [claimed('a'), claimed('b'), claimed('c')], claim('d')],
    ['three live holds, the settled one being another patient\'s business', [claimed('a'), claimed('b'), claimed('c')], claim('d', ['x'])],
    ['three live holds whose bookings are still on their way', [claimed('a'), claimed('b'), claimed('c')], claim('d', [])],
  ] as const)('given %s, a fourth is refused', (_, history, when) => {
    expect(() => claimHold(given([...history]), when)).toThrow(TooManyHolds);
  });

  it('a slot that could not be held gives the claim back, once', () => {
    const history = [claimed('a')];
    expect(withdrawClaim(given(history), { patientId, appointmentId: 'a' })).toEqual([withdrawn('a')]);
    expect(withdrawClaim(given([...history, withdrawn('a')]), { patientId, appointmentId: 'a' })).toEqual([]);
    expect(withdrawClaim(given(history), { patientId, appointmentId: 'z' })).toEqual([]);
  });
});
