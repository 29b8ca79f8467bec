import { appointmentDecider, type AppointmentEvent } from '../../domain/appointments/appointment.js';
import { topicOf, type IntegrationEventType } from '../../domain/integrations/integrationEvents.js';
import type { ScheduledDelivery } from '../../domain/integrations/webhookDelivery.js';
import { paymentDecider, type PaymentEvent } from '../../domain/payments/payment.js';
import { reportDecider, type ReportEvent } from '../../domain/reports/report.js';
import { NotFound } from '../../domain/shared/errors.js';
import { fold, type Decider, type DomainEvent } from '../../domain/shared/event.js';
import type { ReadView } from '../eventSourcing/projection.js';
import type { EventStore, RecordedEvent } from '../ports/eventStore.js';

/** What an integrator receives; `id` is the event's (the same for every endpoint), for ordering and dedupe across endpoints. */
export interface WebhookBody {
  id: string;
  type: IntegrationEventType;
  occurredAt: string;
  data: Record<string, unknown>;
}

interface PayloadDeps {
  events: EventStore;
  reads: ReadView;
}

/** The source stream as it stood when the event happened, so every attempt sends the same facts. */
async function upTo<S, E extends DomainEvent>(deps: PayloadDeps, delivery: ScheduledDelivery, decider: Decider<S, E>): Promise<{ state: S; event: E }> {
  const history = await deps.events.readStream(delivery.source.streamId, { maxCount: delivery.source.revision + 1 });
  const event: RecordedEvent | undefined = history[delivery.source.revision];
  if (!event || event.metadata.eventId !== delivery.source.eventId) throw new NotFound('Source event', delivery.source.eventId);
  const events = history.map((e) => ({ type: e.type, data: e.data }) as unknown as E);
  return { state: fold(decider, events), event: events[events.length - 1] };
}

async function nameOf(reads: ReadView, userId: string): Promise<string | null> {
  return (await reads.get<{ id: string; name?: string }>('users', userId))?.name ?? null;
}

/**
 * Ids, statuses, times and amounts for everyone; names, free-text reasons and clinical findings only
 * for endpoints marked trusted, which the clinic vouches may hold personal health data.
 */
async function dataFor(deps: PayloadDeps, delivery: ScheduledDelivery, trusted: boolean): Promise<Record<string, unknown>> {
  switch (topicOf(delivery.eventType)) {
    case 'appointment': {
      const { state: a, event } = await upTo(deps, delivery, appointmentDecider);
      if (a.status === 'none') throw new NotFound('Appointment', delivery.source.streamId);
      const e = event as AppointmentEvent;
      return {
        appointmentId: a.appointmentId, patientId: a.patientId, doctorId: a.doctorId, slotId: a.slotId, start: a.start, end: a.end,
        status: a.status, feePaise: a.feePaise, paymentId: a.payment?.paymentId ?? null,
        ...(e.type === 'AppointmentRescheduled' ? { previousStart: e.data.previousStart, previousEnd: e.data.previousEnd } : {}),
        ...(e.type === 'AppointmentCancelled' ? { cancelledBy: e.data.by, refundPaise: e.data.refund?.amountPaise ?? 0 } : {}),
        ...(trusted ? {
          patientName: await nameOf(deps.reads, a.patientId), doctorName: await nameOf(deps.reads, a.doctorId),
          ...(e.type === 'AppointmentCancelled' ? { reason: e.data.reason } : {}),
        } : {}),
      };
    }
    case 'payment': {
      const { state: p, event } = await upTo(deps, delivery, paymentDecider);
      if (p.status === 'none') throw new NotFound('Payment', delivery.source.streamId);
      const e = event as PaymentEvent;
      const refund = 'refundId' in e.data ? p.refunds[e.data.refundId] : undefined;
      return {
        paymentId: p.paymentId, appointmentId: p.appointmentId, patientId: p.userId, purpose: p.purpose, method: p.method,
        status: p.status, amountPaise: p.amountPaise,
        ...('refundId' in e.data ? { refundId: e.data.refundId, refundPaise: refund ? refund.toSourcePaise + refund.toWalletPaise : null } : {}),
      };
    }
    case 'report': {
      const { state: r, event } = await upTo(deps, delivery, reportDecider);
      if (r.status === 'none') throw new NotFound('Report', delivery.source.streamId);
      const e = event as ReportEvent;
      const analysis = e.type === 'ReportAnalyzed' ? e.data : null;
      return {
        reportId: r.reportId, patientId: r.patientId, analyzedAt: analysis?.analyzedAt ?? null,
        ...(trusted && analysis ? { summary: analysis.summary, findings: analysis.findings, urgency: analysis.urgency } : {}),
      };
    }
  }
}

export async function webhookBody(deps: PayloadDeps, delivery: ScheduledDelivery, trusted: boolean): Promise<string> {
  const body: WebhookBody = {
    id: delivery.source.eventId, type: delivery.eventType, occurredAt: delivery.source.occurredAt, data: await dataFor(deps, delivery, trusted),
  };
  return JSON.stringify(body);
}
