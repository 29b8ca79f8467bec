import { describe, expect, it } from '@jest/globals';
import {
  AppointmentNotConfirmed, ConsultationAlreadyEnded, NotAParty, OnlyDoctorEnds, OutsideJoinWindow,
  bothLeft, consultationDecider, endConsultationByDoctor, endIdleConsultation, joinConsultation, leaveConsultation, mayJoin,
  type AppointmentSnapshot, type ConsultationEvent,
} from '../../../src/domain/consultations/consultation.js';
import { NotFound } from '../../../src/domain/shared/errors.js';
import { fold } from '../../../src/domain/shared/event.js';

const START = '2030-01-07T10:00:00.000Z';
const END = '2030-01-07T10:30:00.000Z';
const MIN = 60_000;
const at = (base: string, minutes: number) => new Date(Date.parse(base) + minutes * MIN).toISOString();

const appointment: AppointmentSnapshot = { id: 'a1', patientId: 'p1', doctorId: 'd1', status: 'confirmed', start: START, end: END };
const opened: ConsultationEvent = { type: 'ConsultationRoomOpened', data: { appointmentId: 'a1', patientId: 'p1', doctorId: 'd1', at: START } };
const joined = (who: 'patient' | 'doctor', when = START): ConsultationEvent =>
  ({ type: 'ParticipantJoined', data: { appointmentId: 'a1', userId: who === 'patient' ? 'p1' : 'd1', role: who, at: when } });
const left = (who: 'patient' | 'doctor', when = START): ConsultationEvent =>
  ({ type: 'ParticipantLeft', data: { appointmentId: 'a1', userId: who === 'patient' ? 'p1' : 'd1', role: who, at: when } });
const ended = (by: 'doctor' | 'timeout', when = START): ConsultationEvent => ({ type: 'ConsultationEnded', data: { appointmentId: 'a1', by, at: when } });

const given = (events: ConsultationEvent[]) => fold(consultationDecider, events);

describe('the join rule', () => {
  it.each([
    ['the patient, 15 minutes before the start', 'p1', at(START, -15), 'patient'],
    ['the doctor, at the start', 'd1', START, 'doctor'],
    ['the patient, 30 minutes after the end', 'p1', at(END, 30), 'patient'],
  ])('lets in %s', (_, userId, now, role) => expect(mayJoin(appointment, 'a1', userId, now)).toBe(role));

  it.each([
    ['a stranger', appointment, 'x1', START, NotAParty],
    ['anyone into a missing appointment', null, 'p1', START, NotFound],
    ['the patient of an unpaid appointment', { ...appointment, status: 'pending_payment' }, 'p1', START, AppointmentNotConfirmed],
    ['the doctor of a cancelled appointment', { ...appointment, status: 'cancelled' }, 'd1', START, AppointmentNotConfirmed],
    ['the patient 16 minutes early', appointment, 'p1', at(START, -16), OutsideJoinWindow],
    ['the doctor 31 minutes after the end', appointment, 'd1', at(END, 31), OutsideJoinWindow],
  ])('keeps out %s', (_, appt, userId, now, error) => expect(() => mayJoin(appt, 'a1', userId, now)).toThrow(error));
});

describe('joining', () => {
  const join = (userId: string, now = START) => ({ appointment, appointmentId: 'a1', userId, now });
  it.each<[string, ConsultationEvent[], ReturnType<typeof join>, ConsultationEvent[]]>([
    ['the first party opens the room', [], join('p1'), [opened, joined('patient')]],
    ['the second party joins the open room', [opened, joined('patient')], join('d1'), [joined('doctor')]],
    ['a party who left comes back', [opened, joined('patient'), left('patient')], join('p1'), [joined('patient')]],
    ['a second tab of a present party records nothing', [opened, joined('patient')], join('p1'), []],
  ])('%s', (_, history, when, then) => expect(joinConsultation(given(history), when)).toEqual(then));

  it('an ended consultation cannot be joined again', () => {
    expect(() => joinConsultation(given([opened, joined('doctor'), ended('doctor')]), join('p1'))).toThrow(ConsultationAlreadyEnded);
  });
});

describe('leaving', () => {
  it.each<[string, ConsultationEvent[], string, ConsultationEvent[]]>([
    ['a present party leaves', [opened, joined('patient')], 'p1', [left('patient')]],
    ['a party not in the room records nothing', [opened, joined('patient')], 'd1', []],
    ['a stranger records nothing', [opened, joined('patient')], 'x1', []],
    ['nothing happens after the end', [opened, joined('patient'), ended('doctor')], 'p1', []],
  ])('%s', (_, history, userId, then) => expect(leaveConsultation(given(history), { userId, now: START })).toEqual(then));
});

describe('ending', () => {
  it('the doctor ends the consultation', () => {
    expect(endConsultationByDoctor(given([opened, joined('doctor')]), { userId: 'd1', now: START })).toEqual([ended('doctor')]);
  });

  it('the patient cannot end it', () => {
    expect(() => endConsultationByDoctor(given([opened, joined('doctor')]), { userId: 'p1', now: START })).toThrow(OnlyDoctorEnds);
  });

  it('a stranger learns nothing: the appointment is "not found"', () => {
    expect(() => endConsultationByDoctor(given([opened, joined('doctor')]), { userId: 'x1', now: START })).toThrow(NotAParty);
  });

  it('ending twice records once', () => {
    expect(endConsultationByDoctor(given([opened, joined('doctor'), ended('doctor')]), { userId: 'd1', now: START })).toEqual([]);
  });

  const bothGone = [opened, joined('patient'), joined('doctor'), left('patient', START), left('doctor', at(START, 1))];
  it.each<[string, ConsultationEvent[], string, ConsultationEvent[]]>([
    ['both gone for 10 minutes: ended by timeout', bothGone, at(START, 11), [ended('timeout', at(START, 11))]],
    ['both gone for 9 minutes: still open', bothGone, at(START, 10), []],
    ['one came back: still open', [...bothGone, joined('patient', at(START, 5))], at(START, 20), []],
    ['the doctor never came: the idle timer does not apply', [opened, joined('patient'), left('patient')], at(START, 20), []],
    ['already ended by the doctor', [...bothGone, ended('doctor', at(START, 2))], at(START, 20), []],
  ])('%s', (_, history, now, then) => expect(endIdleConsultation(given(history), { now })).toEqual(then));

  it('the idle timer starts only when both have been in and both have left', () => {
    expect(bothLeft(given(bothGone))).toBe(true);
    expect(bothLeft(given([opened, joined('patient'), joined('doctor'), left('patient')]))).toBe(false);
  });
});
