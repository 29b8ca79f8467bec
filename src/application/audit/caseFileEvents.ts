import { appointmentStream, type AppointmentEvent } from '../../domain/appointments/appointment.js';
import { patientHoldsStream } from '../../domain/appointments/patientHolds.js';
import { consultationStream } from '../../domain/consultations/consultation.js';
import { slotStream } from '../../domain/scheduling/slot.js';
import { NotFound } from '../../domain/shared/errors.js';
import type { ReadView } from '../eventSourcing/projection.js';
import type { EventStore, RecordedEvent } from '../ports/eventStore.js';
import { PAYMENTS } from '../payments/payments.projection.js';
import { paymentStream } from '../payments/paymentStream.js';
import { walletStream } from '../wallet/walletCommands.js';
import { eventKey } from './caseBundle.js';

export interface CaseEvents {
  appointmentId: string;
  patientId: string;
  /** Every event of the case, oldest first (global order). */
  events: RecordedEvent[];
  /** Per event (`eventKey`), the stored hash of the event before it in its stream: a bundle's chain links. */
  previousHashes: Map<string, string | null>;
}

type Fields = Record<string, unknown>;
const fields = (e: RecordedEvent): Fields => (e.data && typeof e.data === 'object' ? e.data as Fields : {});

/**
 * The events of one appointment and of what it touched: its whole stream, its payments' and its
 * consultation's whole streams (they exist for it alone), and from shared streams only the events
 * about it: each slot it held (the original and any it was rescheduled to, with the slot's
 * publication), the patient's wallet entries for its payments, and the patient's hold claims for it.
 * `raw` reads events exactly as stored (the bundle: hashes are over stored bytes).
 */
export async function caseEvents(deps: { events: EventStore; reads: ReadView }, appointmentId: string, raw: boolean): Promise<CaseEvents> {
  const previousHashes = new Map<string, string | null>();
  const read = async (streamId: string) => {
    const stream = await deps.events.readStream(streamId, { raw });
    stream.forEach((e, i) => previousHashes.set(eventKey(e), i === 0 ? null : stream[i - 1].metadata.hash));
    return stream;
  };
  const appointment = await read(appointmentStream(appointmentId));
  const requested = appointment.find((e) => e.type === 'AppointmentRequested');
  if (!requested) throw new NotFound('Appointment', appointmentId);
  const { patientId } = requested.data as Extract<AppointmentEvent, { type: 'AppointmentRequested' }>['data'];

  const slotIds = new Set<string>();
  const paymentIds = new Set<string>();
  for (const e of appointment) {
    const d = fields(e);
    for (const key of ['slotId', 'fromSlotId', 'toSlotId']) if (typeof d[key] === 'string') slotIds.add(d[key]);
    if (typeof d.paymentId === 'string') paymentIds.add(d.paymentId);
    const refund = d.refund as { paymentId?: unknown } | null | undefined;
    if (typeof refund?.paymentId === 'string') paymentIds.add(refund.paymentId);
  }
  // Payments that never confirmed it (failed, or captured after the hold lapsed) are known to the read model only.
  for (const doc of await deps.reads.find(PAYMENTS, { appointmentId })) paymentIds.add(String(doc.id));

  const about = (e: RecordedEvent) => fields(e).appointmentId === appointmentId;
  const slots = (await Promise.all([...slotIds].map((id) => read(slotStream(id)))))
    .flat().filter((e) => e.type === 'SlotPublished' || about(e));
  const payments = (await Promise.all([...paymentIds].map((id) => read(paymentStream(id))))).flat();
  const holds = (await read(patientHoldsStream(patientId))).filter(about);
  const consultation = await read(consultationStream(appointmentId));
  const wallet = walletEntriesFor(await read(walletStream(patientId)), paymentIds);

  const events = [...appointment, ...slots, ...payments, ...holds, ...consultation, ...wallet].sort((a, b) => a.position - b.position);
  return { appointmentId, patientId, events, previousHashes };
}

/** Wallet entries naming one of the payments, and those of the reservations such entries opened. */
function walletEntriesFor(wallet: readonly RecordedEvent[], paymentIds: ReadonlySet<string>): RecordedEvent[] {
  const reservations = new Set(wallet
    .filter((e) => typeof fields(e).paymentId === 'string' && paymentIds.has(fields(e).paymentId as string))
    .map((e) => fields(e).reservationId).filter((id): id is string => typeof id === 'string'));
  return wallet.filter((e) => {
    const d = fields(e);
    return (typeof d.paymentId === 'string' && paymentIds.has(d.paymentId)) || (typeof d.reservationId === 'string' && reservations.has(d.reservationId));
  });
}
