import { appointmentDecider, appointmentStream, type Appointment, type AppointmentEvent } from '../../domain/appointments/appointment.js';
import { slotDecider, slotStream, type Slot, type SlotEvent } from '../../domain/scheduling/slot.js';
import type { EventStore } from '../ports/eventStore.js';

/** Current state of one appointment, folded from its stream. */
export async function loadAppointment(events: EventStore, appointmentId: string): Promise<Appointment> {
  const history = await events.readStream(appointmentStream(appointmentId));
  return history.reduce((s, e) => appointmentDecider.evolve(s, e as unknown as AppointmentEvent), appointmentDecider.initialState);
}

export async function loadSlot(events: EventStore, slotId: string): Promise<Slot> {
  const history = await events.readStream(slotStream(slotId));
  return history.reduce((s, e) => slotDecider.evolve(s, e as unknown as SlotEvent), slotDecider.initialState);
}
