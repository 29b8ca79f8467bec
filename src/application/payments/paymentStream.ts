import { paymentDecider, type Payment, type PaymentEvent } from '../../domain/payments/payment.js';
import { fold } from '../../domain/shared/event.js';
import type { EventStore } from '../ports/eventStore.js';

export const paymentStream = (paymentId: string): string => `payment-${paymentId}`;

export async function loadPayment(events: EventStore, paymentId: string): Promise<Payment> {
  const history = await events.readStream(paymentStream(paymentId));
  return fold(paymentDecider, history as unknown as PaymentEvent[]);
}
