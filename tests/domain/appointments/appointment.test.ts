import { describe, expect, it } from '@jest/globals';
import {
  AppointmentClosed, TooLateToChange, cancelAppointment, completeAppointment, confirmAppointment, evolve,
  expireAppointment, initialAppointment, markNoShow, requestAppointment, rescheduleAppointment,
  type Appointment, type AppointmentEvent,
} from '../../../src/domain/appointments/appointment.js';
import { refundAmount } from '../../../src/domain/appointments/refundPolicy.js';
import type { Actor } from '../../../src/domain/shared/event.js';
import { Conflict, Forbidden, Invalid, NotFound } from '../../../src/domain/shared/errors.js';

const appointmentId = 'ap-1';
const patient: Actor = { userId: 'pat-1', role: 'patient' };
const doctor: Actor = { userId: 'doc-1', role: 'doctor' };
const admin: Actor = { userId: 'adm-1', role: 'admin' };
const stranger: Actor = { userId: 'pat-2', role: 'patient' };
const start = '2030-01-10T04:00:00.000Z';
const hoursBefore = (h: number) => new Date(Date.parse(start) - h * 3_600_000).toISOString();

const requestedData = {
  appointmentId, patientId: patient.userId, doctorId: doctor.userId, slotId: `doc-1:${start}`,
  start, end: '2030-01-10T04:30:00.000Z', feePaise: 50000, holdExpiresAt: '2030-01-09T04:15:00.000Z',
};
const requested: AppointmentEvent = { type: 'AppointmentRequested', data: requestedData };
const confirmed = (method: 'razorpay' | 'wallet' | 'hybrid' = 'razorpay', paidPaise = 50000): AppointmentEvent =>
  ({ type: 'AppointmentConfirmed', data: { appointmentId, paymentId: 'pay-1', method, paidPaise } });
const otherPayment: AppointmentEvent = { type: 'AppointmentConfirmed', data: { appointmentId, paymentId: 'pay-0', method: 'wallet', paidPaise: 50000 } };
const expired: AppointmentEvent = { type: 'AppointmentExpired', data: { appointmentId, slotId: requestedData.slotId } };
const cancelled: AppointmentEvent = { type: 'AppointmentCancelled', data: { appointmentId, by: 'doctor', reason: '', refund: null } };
const completed: AppointmentEvent = { type: 'AppointmentCompleted', data: { appointmentId } };
const missed: AppointmentEvent = { type: 'AppointmentMissed', data: { appointmentId } };

const given = (events: AppointmentEvent[]): Appointment => events.reduce(evolve, initialAppointment);
type ErrorClass = new (...args: never[]) => Error;

describe('requesting and confirming', () => {
  it('a request opens the appointment pending payment', () => {
    expect(requestAppointment(initialAppointment, requestedData)).toEqual([requested]);
    expect(given([requested]).status).toBe('pending_payment');
  });

  it('a retried request is a no-op; another request under the same id is refused', () => {
    expect(requestAppointment(given([requested]), requestedData)).toEqual([]);
    expect(() => requestAppointment(given([requested]), { ...requestedData, slotId: 'doc-1:other' })).toThrow(Conflict);
  });

  const pay = { appointmentId, paymentId: 'pay-1', method: 'razorpay' as const, paidPaise: 50000 };
  it.each<[string, AppointmentEvent[], AppointmentEvent[]]>([
    ['a pending appointment is confirmed', [requested], [confirmed()]],
    ['the same payment confirming twice is a no-op', [requested, confirmed()], []],
  ])('%s', (_, history, then) => expect(confirmAppointment(given(history), pay)).toEqual(then));

  it.each<[string, AppointmentEvent[], ErrorClass]>([
    ['an expired appointment', [requested, expired], AppointmentClosed],
    ['a different payment for a confirmed one', [requested, otherPayment], AppointmentClosed],
    ['a cancelled appointment', [requested, cancelled], AppointmentClosed],
    ['an unknown appointment', [], NotFound],
  ])('%s cannot be confirmed', (_, history, error) => expect(() => confirmAppointment(given(history), pay)).toThrow(error));
});

describe('expiring', () => {
  it.each<[string, AppointmentEvent[], AppointmentEvent[]]>([
    ['an unpaid appointment expires', [requested], [expired]],
    ['a paid one is left alone', [requested, confirmed()], []],
    ['an expired one does not expire twice', [requested, expired], []],
    ['an unknown one is a no-op', [], []],
  ])('%s', (_, history, then) => expect(expireAppointment(given(history), { appointmentId })).toEqual(then));
});

describe('rescheduling', () => {
  const newSlot = { slotId: 'doc-1:2030-01-11T04:00:00.000Z', doctorId: doctor.userId, start: '2030-01-11T04:00:00.000Z', end: '2030-01-11T04:30:00.000Z' };
  const cmd = { appointmentId, actor: patient, now: hoursBefore(2), newSlot };

  it.each<[string, Actor]>([['its patient', patient], ['its doctor', doctor], ['an admin', admin]])('%s moves it exactly 2 hours ahead', (_, actor) => {
    expect(rescheduleAppointment(given([requested, confirmed()]), { ...cmd, actor })).toEqual([{
      type: 'AppointmentRescheduled',
      data: {
        appointmentId, fromSlotId: requestedData.slotId, toSlotId: newSlot.slotId,
        previousStart: start, previousEnd: requestedData.end, start: newSlot.start, end: newSlot.end,
      },
    }]);
    expect(given([requested, confirmed(), ...rescheduleAppointment(given([requested, confirmed()]), cmd)])).toMatchObject({ slotId: newSlot.slotId, start: newSlot.start, status: 'confirmed' });
  });

  it.each<[string, AppointmentEvent[], Partial<typeof cmd>, ErrorClass]>([
    ['less than 2 hours ahead', [requested, confirmed()], { now: new Date(Date.parse(hoursBefore(2)) + 1).toISOString() }, TooLateToChange],
    ['an unpaid appointment', [requested], {}, AppointmentClosed],
    ['a completed appointment', [requested, confirmed(), completed], {}, AppointmentClosed],
    ['to another doctor\'s slot', [requested, confirmed()], { newSlot: { ...newSlot, doctorId: 'doc-2' } }, Invalid],
    ['to its own slot', [requested, confirmed()], { newSlot: { ...newSlot, slotId: requestedData.slotId } }, Invalid],
    ['by someone else', [requested, confirmed()], { actor: stranger }, Forbidden],
  ])('refused: %s', (_, history, over, error) => expect(() => rescheduleAppointment(given(history), { ...cmd, ...over })).toThrow(error));
});

describe('cancelling', () => {
  const cancel = (actor: Actor, now: string) => ({ appointmentId, actor, reason: 'changed plans', now });
  const refundOf = (events: AppointmentEvent[]) => (events[0].data as { refund: unknown }).refund;

  it.each<[string, AppointmentEvent[], Actor, string, unknown]>([
    ['patient, more than 24 h ahead: full refund to the source', [requested, confirmed()], patient, hoursBefore(25), { amountPaise: 50000, destination: 'source', paymentId: 'pay-1' }],
    ['patient, exactly 24 h ahead: half', [requested, confirmed()], patient, hoursBefore(24), { amountPaise: 25000, destination: 'source', paymentId: 'pay-1' }],
    ['patient, 2 h ahead: half', [requested, confirmed()], patient, hoursBefore(2), { amountPaise: 25000, destination: 'source', paymentId: 'pay-1' }],
    ['patient paid by wallet: back to the wallet', [requested, confirmed('wallet')], patient, hoursBefore(48), { amountPaise: 50000, destination: 'wallet', paymentId: 'pay-1' }],
    ['patient paid hybrid: back to the source', [requested, confirmed('hybrid')], patient, hoursBefore(48), { amountPaise: 50000, destination: 'source', paymentId: 'pay-1' }],
    ['doctor, 1 h ahead: full', [requested, confirmed()], doctor, hoursBefore(1), { amountPaise: 50000, destination: 'source', paymentId: 'pay-1' }],
    ['admin, after the start: full', [requested, confirmed()], admin, hoursBefore(-1), { amountPaise: 50000, destination: 'source', paymentId: 'pay-1' }],
    ['patient, unpaid: nothing to refund', [requested], patient, hoursBefore(30), null],
    ['odd amount: half rounds down', [requested, confirmed('razorpay', 50001)], patient, hoursBefore(3), { amountPaise: 25000, destination: 'source', paymentId: 'pay-1' }],
  ])('%s', (_, history, actor, now, refund) => {
    const events = cancelAppointment(given(history), cancel(actor, now));
    expect(events[0].type).toBe('AppointmentCancelled');
    expect(refundOf(events)).toEqual(refund);
    expect(given([...history, ...events]).status).toBe('cancelled');
  });

  it.each<[string, AppointmentEvent[], Actor, string, ErrorClass]>([
    ['patient less than 2 h ahead', [requested, confirmed()], patient, hoursBefore(1.9), TooLateToChange],
    ['someone else', [requested, confirmed()], stranger, hoursBefore(30), Forbidden],
    ['already cancelled', [requested, confirmed(), cancelled], doctor, hoursBefore(30), AppointmentClosed],
    ['already completed', [requested, confirmed(), completed], doctor, hoursBefore(-1), AppointmentClosed],
    ['expired', [requested, expired], patient, hoursBefore(30), AppointmentClosed],
    ['unknown', [], patient, hoursBefore(30), NotFound],
  ])('refused: %s', (_, history, actor, now, error) => expect(() => cancelAppointment(given(history), cancel(actor, now))).toThrow(error));
});

describe('completing and no-shows', () => {
  const afterStart = hoursBefore(-0.5);
  it.each([['complete', completeAppointment, completed], ['no-show', markNoShow, missed]] as const)('%s: the doctor records it after the start', (_, decide, event) => {
    expect(decide(given([requested, confirmed()]), { appointmentId, actor: doctor, now: start })).toEqual([event]);
  });

  it.each<[string, AppointmentEvent[], Actor, string, ErrorClass]>([
    ['before the start', [requested, confirmed()], doctor, hoursBefore(0.01), Conflict],
    ['by the patient', [requested, confirmed()], patient, afterStart, Forbidden],
    ['by an admin', [requested, confirmed()], admin, afterStart, Forbidden],
    ['unpaid', [requested], doctor, afterStart, AppointmentClosed],
    ['already missed', [requested, confirmed(), missed], doctor, afterStart, AppointmentClosed],
    ['already completed', [requested, confirmed(), completed], doctor, afterStart, AppointmentClosed],
    ['cancelled', [requested, confirmed(), cancelled], doctor, afterStart, AppointmentClosed],
  ])('refused: %s', (_, history, actor, now, error) => {
    expect(() => completeAppointment(given(history), { appointmentId, actor, now })).toThrow(error);
    expect(() => markNoShow(given(history), { appointmentId, actor, now })).toThrow(error);
  });
});

describe('the refund policy', () => {
  it.each([
    [50000, 'patient', 24 * 60 + 1, 50000],
    [50000, 'patient', 24 * 60, 25000],
    [50000, 'patient', 120, 25000],
    [50000, 'doctor', 10, 50000],
    [50000, 'admin', 10, 50000],
    [0, 'patient', 10, 0],
  ] as const)('%i paid, cancelled by %s %i minutes ahead → %i back', (paidPaise, by, minutes, expected) => {
    expect(refundAmount({ paidPaise, by, start, now: new Date(Date.parse(start) - minutes * 60_000).toISOString() })).toBe(expected);
  });
});
