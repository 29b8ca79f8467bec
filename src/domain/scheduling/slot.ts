import type { Decider } from '../shared/event.js';
import { Conflict, Invalid, NotFound } from '../shared/errors.js';

/**
 * One consultation slot of one doctor: `slot-{doctorId}:{startUtc}`. The stream's expected revision
 * is what makes "exactly one of many concurrent bookings wins".
 */
/** `abandoned`: a reschedule held the new slot but could not move the appointment into it. */
export type ReleaseReason = 'payment_timeout' | 'hold_expired' | 'cancelled' | 'rescheduled' | 'abandoned';

export type SlotEvent =
  | { type: 'SlotPublished'; data: { slotId: string; doctorId: string; start: string; end: string; feePaise: number } }
  | { type: 'SlotHeld'; data: { slotId: string; doctorId: string; appointmentId: string; patientId: string; expiresAt: string } }
  | { type: 'SlotBooked'; data: { slotId: string; doctorId: string; appointmentId: string } }
  | { type: 'SlotReleased'; data: { slotId: string; doctorId: string; appointmentId: string; reason: ReleaseReason } }
  | { type: 'SlotWithdrawn'; data: { slotId: string; doctorId: string } };

export interface SlotFacts {
  slotId: string;
  doctorId: string;
  start: string;
  end: string;
  feePaise: number;
}

export type Slot =
  | { status: 'unpublished' }
  | ({ status: 'free' } & SlotFacts)
  | ({ status: 'held'; appointmentId: string; patientId: string; expiresAt: string } & SlotFacts)
  | ({ status: 'booked'; appointmentId: string; patientId: string } & SlotFacts)
  | ({ status: 'withdrawn' } & SlotFacts);

export const initialSlot: Slot = { status: 'unpublished' };

export class SlotUnavailable extends Conflict {
  constructor(slotId: string, why: string) {
    super('slot_unavailable', `Slot ${slotId} is not available: ${why}.`);
  }
}

export class SlotInUse extends Conflict {
  constructor(slotId: string) {
    super('slot_in_use', `Slot ${slotId} is held or booked and cannot be withdrawn.`);
  }
}

function facts(slot: Exclude<Slot, { status: 'unpublished' }>): SlotFacts {
  return { slotId: slot.slotId, doctorId: slot.doctorId, start: slot.start, end: slot.end, feePaise: slot.feePaise };
}

export function evolve(slot: Slot, event: SlotEvent): Slot {
  switch (event.type) {
    case 'SlotPublished':
      return { status: 'free', ...event.data };
    case 'SlotHeld':
      if (slot.status === 'unpublished') return slot;
      return { ...facts(slot), status: 'held', appointmentId: event.data.appointmentId, patientId: event.data.patientId, expiresAt: event.data.expiresAt };
    case 'SlotBooked':
      if (slot.status !== 'held') return slot;
      return { ...facts(slot), status: 'booked', appointmentId: slot.appointmentId, patientId: slot.patientId };
    case 'SlotReleased':
      if (slot.status === 'unpublished') return slot;
      return { ...facts(slot), status: 'free' };
    case 'SlotWithdrawn':
      if (slot.status === 'unpublished') return slot;
      return { ...facts(slot), status: 'withdrawn' };
  }
}

export const slotDecider: Decider<Slot, SlotEvent> = { initialState: initialSlot, evolve };

export const slotIdOf = (doctorId: string, startUtc: string): string => `${doctorId}:${startUtc}`;
export const slotStream = (slotId: string): string => `slot-${slotId}`;

/** A hold whose time is up no longer protects the slot, even before the expiry job has run. */
export function isLiveHold(slot: Slot, now: string): boolean {
  return slot.status === 'held' && now < slot.expiresAt;
}

/**
 * The earliest start a booking may take at `now` with the minimum notice: the one rule both the
 * booking decision (`notBefore`) and the board's "available" follow.
 */
export function earliestBookableStart(now: Date, minNoticeMinutes: number): string {
  return new Date(now.getTime() + minNoticeMinutes * 60_000).toISOString();
}

export interface PublishSlot extends SlotFacts {
  now: string;
}

/** Publishing an existing slot changes nothing, so republishing a template is idempotent. */
export function publishSlot(slot: Slot, cmd: PublishSlot): SlotEvent[] {
  if (slot.status !== 'unpublished' && slot.status !== 'withdrawn') return [];
  if (!(cmd.start < cmd.end)) throw new Invalid('invalid_slot', 'A slot must end after it starts.');
  if (cmd.start <= cmd.now) throw new Invalid('slot_in_past', 'A slot in the past cannot be published.');
  const { slotId, doctorId, start, end, feePaise } = cmd;
  return [{ type: 'SlotPublished', data: { slotId, doctorId, start, end, feePaise } }];
}

export interface HoldSlot {
  slotId: string;
  appointmentId: string;
  patientId: string;
  now: string;
  expiresAt: string;
  /** The slot must start at or after this instant (the minimum notice). */
  notBefore: string;
}

export function holdSlot(slot: Slot, cmd: HoldSlot): SlotEvent[] {
  // The contract answers 409 "slot not available" for any slot that cannot be booked, unknown ones included.
  if (slot.status === 'unpublished') throw new SlotUnavailable(cmd.slotId, 'no such slot is published');
  // A retried command finds its own hold in place.
  if (slot.status === 'held' && slot.appointmentId === cmd.appointmentId) return [];
  if (slot.status === 'withdrawn') throw new SlotUnavailable(cmd.slotId, 'it was withdrawn');
  if (slot.status === 'booked') throw new SlotUnavailable(cmd.slotId, 'it is booked');
  if (isLiveHold(slot, cmd.now)) throw new SlotUnavailable(cmd.slotId, 'it is held by another booking');
  if (slot.start < cmd.notBefore) throw new SlotUnavailable(cmd.slotId, 'it starts too soon or has started');
  const release: SlotEvent[] = slot.status === 'held'
    ? [{ type: 'SlotReleased', data: { slotId: slot.slotId, doctorId: slot.doctorId, appointmentId: slot.appointmentId, reason: 'hold_expired' } }]
    : [];
  return [...release, {
    type: 'SlotHeld',
    data: { slotId: slot.slotId, doctorId: slot.doctorId, appointmentId: cmd.appointmentId, patientId: cmd.patientId, expiresAt: cmd.expiresAt },
  }];
}

/** Turns the appointment's hold into a booking; booking again for the same appointment is a no-op. */
export function bookSlot(slot: Slot, cmd: { slotId: string; appointmentId: string }): SlotEvent[] {
  if (slot.status === 'booked' && slot.appointmentId === cmd.appointmentId) return [];
  if (slot.status !== 'held' || slot.appointmentId !== cmd.appointmentId) {
    throw new SlotUnavailable(cmd.slotId, 'the hold for this appointment was released');
  }
  return [{ type: 'SlotBooked', data: { slotId: slot.slotId, doctorId: slot.doctorId, appointmentId: cmd.appointmentId } }];
}

/**
 * Frees the slot if `appointmentId` still has it, else does nothing (the release is idempotent and
 * never takes a slot from someone else). A payment timeout only ends a hold, never a booking.
 */
export function releaseSlot(slot: Slot, cmd: { appointmentId: string; reason: ReleaseReason }): SlotEvent[] {
  if (slot.status !== 'held' && slot.status !== 'booked') return [];
  if (slot.appointmentId !== cmd.appointmentId) return [];
  if (cmd.reason === 'payment_timeout' && slot.status !== 'held') return [];
  return [{ type: 'SlotReleased', data: { slotId: slot.slotId, doctorId: slot.doctorId, appointmentId: cmd.appointmentId, reason: cmd.reason } }];
}

/** A doctor takes a free slot off the board; a lapsed hold counts as free. */
export function withdrawSlot(slot: Slot, cmd: { slotId: string; doctorId: string; now: string }): SlotEvent[] {
  if (slot.status === 'unpublished' || slot.doctorId !== cmd.doctorId) throw new NotFound('Slot', cmd.slotId);
  if (slot.status === 'withdrawn') return [];
  if (slot.status === 'booked' || isLiveHold(slot, cmd.now)) throw new SlotInUse(cmd.slotId);
  const release: SlotEvent[] = slot.status === 'held'
    ? [{ type: 'SlotReleased', data: { slotId: slot.slotId, doctorId: slot.doctorId, appointmentId: slot.appointmentId, reason: 'hold_expired' } }]
    : [];
  return [...release, { type: 'SlotWithdrawn', data: { slotId: slot.slotId, doctorId: slot.doctorId } }];
}
