import type { WebhookDeliveryEvent } from '../../domain/integrations/webhookDelivery.js';
import type { Reactor } from '../eventSourcing/reactor.js';
import type { Scheduler } from '../ports/scheduler.js';

export const WEBHOOK_DELIVERY_JOB = 'webhook-delivery';

/** When each attempt of a delivery is due, as its events say: the timers follow the log, so a crash loses none. */
function dueAttempt(event: WebhookDeliveryEvent): { deliveryId: string; attempt: number; at: string } | null {
  switch (event.type) {
    case 'WebhookDeliveryScheduled':
      return { deliveryId: event.data.deliveryId, attempt: 1, at: event.data.scheduledAt };
    case 'WebhookDeliveryAttempted':
      return event.data.nextAttemptAt ? { deliveryId: event.data.deliveryId, attempt: event.data.attempt + 1, at: event.data.nextAttemptAt } : null;
    case 'WebhookRedeliveryRequested':
      return { deliveryId: event.data.deliveryId, attempt: event.data.attempt, at: event.data.requestedAt };
  }
}

/**
 * Schedules each attempt as a job keyed by (delivery, attempt number): a replay schedules it once, and a
 * redelivery asked for while a retry waits takes that retry's place.
 */
export function deliveryTimerReactor(scheduler: Scheduler): Reactor {
  return {
    name: 'integrations-webhook-timer',
    handles: ['WebhookDeliveryScheduled', 'WebhookDeliveryAttempted', 'WebhookRedeliveryRequested'],
    idempotent: true,
    async react(recorded) {
      const due = dueAttempt({ type: recorded.type, data: recorded.data } as WebhookDeliveryEvent);
      if (!due) return;
      await scheduler.schedule(WEBHOOK_DELIVERY_JOB, new Date(due.at), { deliveryId: due.deliveryId, attempt: due.attempt }, `${due.deliveryId}:${due.attempt}`);
    },
  };
}
