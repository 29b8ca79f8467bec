import { paymentEventTypes } from '../../domain/payments/payment.js';
import { APPOINTMENTS, type AppointmentDoc } from '../appointments/appointments.projection.js';
import { toAppointmentView } from '../appointments/appointmentQueries.js';
import type { ReadView } from '../eventSourcing/projection.js';
import { SubscriptionLoop, type LoopLogger } from '../eventSourcing/subscriptionLoop.js';
import type { EventStore, RecordedEvent } from '../ports/eventStore.js';
import type { LiveUpdates } from '../ports/liveUpdates.js';
import { PAYMENTS, type PaymentDoc } from '../payments/payments.projection.js';

const APPOINTMENT_EVENTS = new Set([
  'AppointmentRequested', 'AppointmentConfirmed', 'AppointmentExpired', 'AppointmentRescheduled', 'AppointmentCancelled',
  'AppointmentCompleted', 'AppointmentMissed',
]);
const PAYMENT_EVENTS = new Set<string>(paymentEventTypes);

export interface LiveStatusDeps {
  events: EventStore;
  reads: ReadView;
  waitForProjections(position: number): Promise<boolean>;
  log: LoopLogger;
}

/**
 * Tells the parties of an appointment or payment, on their open connections, as it changes. It
 * follows the log from where it stood at start (no checkpoint: a restart never resends the past, and
 * nobody was connected to hear what happened while it was down) and sends the read model as it stands
 * once the projections have passed the event, so what a client fetches next agrees with what it heard.
 */
export function liveStatusFeed(deps: LiveStatusDeps) {
  let loop: SubscriptionLoop | null = null;
  let live: LiveUpdates | null = null;

  async function tell(event: RecordedEvent, target: LiveUpdates): Promise<void> {
    const change = { change: event.type, position: event.position };
    if (APPOINTMENT_EVENTS.has(event.type)) {
      await deps.waitForProjections(event.position);
      const doc = await deps.reads.get<AppointmentDoc>(APPOINTMENTS, (event.data as { appointmentId: string }).appointmentId);
      if (doc) target.toUsers([doc.patientId, doc.doctorId], { event: 'appointment-updated', payload: { ...toAppointmentView(doc), ...change } });
    } else if (PAYMENT_EVENTS.has(event.type)) {
      await deps.waitForProjections(event.position);
      const doc = await deps.reads.get<PaymentDoc>(PAYMENTS, (event.data as { paymentId: string }).paymentId);
      if (!doc) return;
      const { paymentId, appointmentId, purpose, method, status, amountPaise, capturedPaise, refundedPaise } = doc;
      target.toUsers([doc.userId], { event: 'payment-updated', payload: { paymentId, appointmentId, purpose, method, status, amountPaise, capturedPaise, refundedPaise, ...change } });
    }
  }

  return {
    /** Where updates go from now on (the socket server, once it is attached); none, and the feed does no work. */
    publishTo(target: LiveUpdates | null): void {
      live = target;
    },
    /** Follows the log from its current end. */
    async start(): Promise<void> {
      await loop?.stop();
      const from = await deps.events.headPosition();
      loop = new SubscriptionLoop(deps.events, 'live-status', deps.log, async (run) => {
        for (const event of run) {
          const target = live;
          if (!target) return;
          // Best effort: a failed read must not hold back (or, retried, repeat) the updates after it.
          await tell(event, target).catch((error: unknown) => deps.log.error({ err: error, eventId: event.metadata.eventId }, 'live status update not sent'));
        }
      });
      loop.start(from);
    },
    async stop(): Promise<void> {
      await loop?.stop();
      loop = null;
    },
  };
}

export type LiveStatusFeed = ReturnType<typeof liveStatusFeed>;
