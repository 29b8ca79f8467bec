import { DomainError } from '../../domain/shared/errors.js';
import { systemActor } from '../../domain/shared/event.js';
import type { HandlerDeps } from '../../application/eventSourcing/commandHandler.js';
import type { ReadView } from '../../application/eventSourcing/projection.js';
import type { Mailer } from '../../application/ports/mailer.js';
import type { PaymentGateway } from '../../application/ports/paymentGateway.js';
import { createPaymentsModule } from '../../application/payments/payments.module.js';
import type { BookingPort } from '../../application/payments/paymentsDeps.js';
import { createWalletModule } from '../../application/wallet/wallet.module.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { razorpayGateway } from './razorpayGateway.js';
import { httpWebhookSink, RazorpaySimulator, type WebhookSink } from './razorpaySimulator.js';

/** The simulator's key pair when no Razorpay credentials are configured (development and tests only). */
export const SIMULATOR_KEY_ID = 'rzp_test_simulator';
export const DEVELOPMENT_KEY_SECRET = 'healthvision-development-razorpay-key-secret';

export interface PaymentsWiring {
  config: Config;
  handler: HandlerDeps;
  reads: ReadView;
  mailer: Mailer;
  log: Logger;
  booking: BookingPort;
  waitForProjections(position: number): Promise<boolean>;
  /** Tests wrap the gateway the service calls (not the simulator's checkout) to inject its failures. */
  wrapGateway?(gateway: PaymentGateway): PaymentGateway;
}

/**
 * Wallet and payments with the gateway the configuration asks for: the `razorpay` SDK when a key id is
 * set, otherwise the local simulator, whose webhooks go to PUBLIC_BASE_URL over HTTP when the service
 * knows its public address, or straight into the webhook handler when it does not.
 */
export function wirePayments(w: PaymentsWiring) {
  const { config } = w;
  const log = w.log.child({ component: 'payments' });
  if (config.RAZORPAY_KEY_ID && !config.RAZORPAY_KEY_SECRET) throw new Error('RAZORPAY_KEY_ID is set without RAZORPAY_KEY_SECRET.');
  const keySecret = config.RAZORPAY_KEY_SECRET ?? DEVELOPMENT_KEY_SECRET;
  const simulator = config.paymentSimulator
    ? new RazorpaySimulator({
      keyId: SIMULATOR_KEY_ID, keySecret, webhookSecret: config.RAZORPAY_WEBHOOK_SECRET, ids: w.handler.ids, clock: w.handler.clock,
      onDeliveryFailed: (eventId, error) => log.error({ err: error, eventId }, 'simulated webhook could not be delivered'),
    })
    : null;
  const chosen: PaymentGateway = simulator ?? razorpayGateway({ keyId: config.RAZORPAY_KEY_ID as string, keySecret });
  const gateway = w.wrapGateway?.(chosen) ?? chosen;

  const wallet = createWalletModule({ handler: w.handler, reads: w.reads });
  const payments = createPaymentsModule({
    handler: w.handler, reads: w.reads, gateway, wallet, booking: w.booking, mailer: w.mailer, log,
    secrets: { keySecret, webhookSecret: config.RAZORPAY_WEBHOOK_SECRET },
    waitForProjections: w.waitForProjections,
  });

  const inProcess: WebhookSink = {
    async deliver(rawBody, headers) {
      try {
        await payments.acceptWebhook(Buffer.from(rawBody), headers['x-razorpay-signature'], headers['x-razorpay-event-id'],
          { actor: systemActor, correlationId: headers['x-razorpay-event-id'] ?? 'webhook' });
        return 200;
      } catch (error) {
        return error instanceof DomainError && error.kind === 'invalid' ? 400 : 500;
      }
    },
  };
  simulator?.connect(config.PUBLIC_BASE_URL ? httpWebhookSink(new URL('/api/payments/webhook', config.PUBLIC_BASE_URL).href) : inProcess);
  return { wallet, payments, razorpaySimulator: simulator };
}
