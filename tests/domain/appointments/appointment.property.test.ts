import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  cancelAppointment, completeAppointment, confirmAppointment, evolve, expireAppointment, initialAppointment, markNoShow,
  requestAppointment, rescheduleAppointment, type Appointment, type AppointmentEvent,
} from '../../../src/domain/appointments/appointment.js';
import type { Actor } from '../../../src/domain/shared/event.js';
import { DomainError } from '../../../src/domain/shared/errors.js';

const appointmentId = 'ap-1';
const start = Date.parse('2030-01-10T04:00:00.000Z');
const iso = (hoursFromStart: number) => new Date(start + hoursFromStart * 3_600_000).toISOString();
const actors: Actor[] = [
  { userId: 'pat-1', role: 'patient' }, { userId: 'doc-1', role: 'doctor' }, { userId: 'adm-1', role: 'admin' }, { userId: 'pat-2', role: 'patient' },
];

/** Where each status may go next; anything else would move the appointment backwards or sideways. */
const NEXT: Record<string, string[]> = {
  none: ['pending_payment'],
  pending_payment: ['confirmed', 'expired', 'cancelled'],
  confirmed: ['cancelled', 'completed', 'missed'],
  expired: [], cancelled: [], completed: [], missed: [],
};

const command = fc.record({
  kind: fc.constantFrom('request', 'confirm', 'expire', 'reschedule', 'cancel', 'complete', 'noShow'),
  actor: fc.constantFrom(...actors),
  at: fc.double({ min: -48, max: 3, noNaN: true }),
  payment: fc.constantFrom('pay-1', 'pay-2'),
});

function decide(state: Appointment, c: { kind: string; actor: Actor; at: number; payment: string }): AppointmentEvent[] {
  const now = iso(c.at);
  switch (c.kind) {
    case 'request':
      return requestAppointment(state, {
        appointmentId, patientId: 'pat-1', doctorId: 'doc-1', slotId: 's1', start: iso(0), end: iso(0.5), feePaise: 1000, holdExpiresAt: iso(-40),
      });
    case 'confirm': return confirmAppointment(state, { appointmentId, paymentId: c.payment, method: 'wallet', paidPaise: 1000 });
    case 'expire': return expireAppointment(state, { appointmentId });
    case 'reschedule': return rescheduleAppointment(state, { appointmentId, actor: c.actor, now, newSlot: { slotId: `s-${c.at}`, doctorId: 'doc-1', start: iso(24), end: iso(24.5) } });
    case 'cancel': return cancelAppointment(state, { appointmentId, actor: c.actor, reason: '', now });
    case 'complete': return completeAppointment(state, { appointmentId, actor: c.actor, now });
    default: return markNoShow(state, { appointmentId, actor: c.actor, now });
  }
}

describe('the appointment decider under any sequence of commands', () => {
  it('only ever moves its status forward, and refunds never exceed what was paid', () => {
    fc.assert(fc.property(fc.array(command, { maxLength: 30 }), (commands) => {
      let state: Appointment = initialAppointment;
      for (const c of commands) {
        let events: AppointmentEvent[];
        try {
          events = decide(state, c);
        } catch (error) {
          expect(error).toBeInstanceOf(DomainError);
          continue;
        }
        for (const e of events) {
          const next = evolve(state, e);
          if (next.status !== state.status) expect(NEXT[state.status]).toContain(next.status);
          if (e.type === 'AppointmentCancelled' && e.data.refund) {
            expect(e.data.refund.amountPaise).toBeLessThanOrEqual(state.status === 'none' ? 0 : state.payment?.paidPaise ?? 0);
          }
          state = next;
        }
      }
    }), { numRuns: 500 });
  });
});
