import { appointmentDecider, appointmentStream, requestAppointment, type Appointment } from '../../domain/appointments/appointment.js';
import {
  claimHold, patientHoldsDecider, patientHoldsStream, unlapsedClaims, withdrawClaim, type PatientHolds, type PatientHoldsEvent,
} from '../../domain/appointments/patientHolds.js';
import { earliestBookableStart, holdSlot, slotDecider, slotStream, type Slot, type SlotEvent } from '../../domain/scheduling/slot.js';
import { fold } from '../../domain/shared/event.js';
import {
  canAppendTogether, deterministicId, envelopes, handle, handleTogether, type CommandContext,
} from '../eventSourcing/commandHandler.js';
import type { RecordedEvent } from '../ports/eventStore.js';
import type { AppointmentsDeps } from './appointmentsDeps.js';
import { loadAppointment } from './appointmentStreams.js';
import { expireTakenOverHold } from './expireTakenOverHold.js';

export interface BookSlotResult {
  appointmentId: string;
  status: 'pending_payment';
  slotId: string;
  holdExpiresAt: string;
  feePaise: number;
  position: number;
}

/**
 * Saga step 1: claim a place among the patient's unpaid holds (the hold limit, decided on the
 * patient's holds stream), hold the slot (its stream's expected revision lets exactly one of many
 * concurrent bookings win), then open the appointment. A lapsed hold is taken over in the same
 * decision and the appointment that lost it expires.
 *
 * Where the store can append several streams atomically, the three are one decision and one commit
 * (a booking that loses a race writes nothing at all); otherwise — and under an Idempotency-Key,
 * whose retries resume step by step — they are three appends, and a slot that cannot be held gives
 * the claim back.
 */
export function bookSlot(deps: AppointmentsDeps) {
  /** Which of the patient's unlapsed claims no longer wait for payment; read from the event store, never a read model. */
  async function settledClaims(history: readonly RecordedEvent[], now: string): Promise<Set<string>> {
    const claims = unlapsedClaims(fold(patientHoldsDecider, history as unknown as PatientHoldsEvent[]), now);
    const settled = new Set<string>();
    for (const claim of claims) {
      const appointment = await loadAppointment(deps.handler.events, claim.appointmentId);
      if (appointment.status !== 'none' && appointment.status !== 'pending_payment') settled.add(claim.appointmentId);
    }
    return settled;
  }

  return async (slotId: string, ctx: CommandContext): Promise<BookSlotResult> => {
    const patientId = ctx.actor.userId;
    const nowMs = deps.handler.clock.now().getTime();
    const now = new Date(nowMs).toISOString();
    // Under an Idempotency-Key the retried command must reproduce the same appointment.
    const appointmentId = ctx.idempotencyKey ? deterministicId(ctx.idempotencyKey, 'appointment', 0) : deps.handler.ids.next();
    const holdExpiresAt = new Date(nowMs + deps.holdTtlSeconds * 1000).toISOString();
    const notBefore = earliestBookableStart(new Date(nowMs), deps.minNoticeMinutes);
    const holdsStream = patientHoldsStream(patientId);
    const hold = (slot: Slot) => holdSlot(slot, { slotId, appointmentId, patientId, now, expiresAt: holdExpiresAt, notBefore });
    const claim = (holds: PatientHolds, settled: Set<string>) =>
      claimHold(holds, { patientId, appointmentId, slotId, expiresAt: holdExpiresAt, now, settled });
    const request = (appointment: Appointment, slot: Extract<Slot, { status: 'held' }>) => requestAppointment(appointment, {
      appointmentId, patientId, doctorId: slot.doctorId, slotId, start: slot.start, end: slot.end,
      feePaise: slot.feePaise, holdExpiresAt: slot.expiresAt,
    });
    const booked = async (slot: Extract<Slot, { status: 'held' }>, requestedAt: number, heldEvents: readonly RecordedEvent[]): Promise<BookSlotResult> => {
      const position = Math.max(requestedAt, await expireTakenOverHold(deps.handler, heldEvents, ctx));
      return { appointmentId, status: 'pending_payment', slotId, holdExpiresAt: slot.expiresAt, feePaise: slot.feePaise, position };
    };

    if (!ctx.idempotencyKey && canAppendTogether(deps.handler)) {
      const { slot, appended } = await handleTogether(deps.handler, async () => {
        const slotHistory = await deps.handler.events.readStream(slotStream(slotId));
        const before = fold(slotDecider, slotHistory as unknown as SlotEvent[]);
        const holding = hold(before);
        const holdsHistory = await deps.handler.events.readStream(holdsStream);
        const claiming = claim(fold(patientHoldsDecider, holdsHistory as unknown as PatientHoldsEvent[]), await settledClaims(holdsHistory, now));
        const held = holding.reduce(slotDecider.evolve, before) as Extract<Slot, { status: 'held' }>;
        const slotEvents = envelopes(deps.handler, slotStream(slotId), holding, ctx);
        const requestEvents = envelopes(deps.handler, appointmentStream(appointmentId), request(appointmentDecider.initialState, held),
          { ...ctx, causationId: slotEvents.at(-1)?.metadata.eventId ?? null });
        const writes = [
          { streamId: holdsStream, revision: holdsHistory.length - 1, events: envelopes(deps.handler, holdsStream, claiming, ctx) },
          { streamId: slotStream(slotId), revision: slotHistory.length - 1, events: slotEvents },
          // A generated id names a stream nobody has written.
          { streamId: appointmentStream(appointmentId), revision: -1, events: requestEvents },
        ];
        return { writes, result: (recorded) => ({ slot: held, appended: recorded }) };
      });
      return booked(slot, appended[2].at(-1)?.position ?? 0, appended[1]);
    }

    // A slot that cannot be held is refused before anything is written; only a booking that loses a
    // race for the slot after claiming its place writes the claim and gives it back.
    const slotHistory = await deps.handler.events.readStream(slotStream(slotId));
    hold(fold(slotDecider, slotHistory as unknown as SlotEvent[]));
    const holdsHistory = await deps.handler.events.readStream(holdsStream);
    // Claims appended meanwhile are not in `settled`, so a conflict's fresh decision counts them.
    const settled = await settledClaims(holdsHistory, now);
    await handle(deps.handler, holdsStream, patientHoldsDecider, (holds) => claim(holds, settled), ctx,
      { step: 'claim', history: holdsHistory });
    let held;
    try {
      held = await handle(deps.handler, slotStream(slotId), slotDecider, hold, ctx, { history: slotHistory });
    } catch (error) {
      await handle(deps.handler, holdsStream, patientHoldsDecider,
        (holds) => withdrawClaim(holds, { patientId, appointmentId }), ctx, { step: 'withdraw' });
      throw error;
    }
    const slot = held.state as Extract<Slot, { status: 'held' }>;
    const requested = await handle(deps.handler, appointmentStream(appointmentId), appointmentDecider, (a) => request(a, slot),
      { ...ctx, causationId: held.lastEventId },
      // A generated id names a stream nobody has written; a retried request's derived id may have.
      { newStream: !ctx.idempotencyKey });
    return booked(slot, requested.position, held.appended);
  };
}
