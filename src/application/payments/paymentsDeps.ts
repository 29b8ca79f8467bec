import type { PaymentMethod } from '../../domain/payments/payment.js';
import type { CommandContext, HandlerDeps } from '../eventSourcing/commandHandler.js';
import type { ReadView } from '../eventSourcing/projection.js';
import type { Mailer } from '../ports/mailer.js';
import type { PaymentGateway } from '../ports/paymentGateway.js';
import type { WalletCommands } from '../wallet/walletCommands.js';

/** What payments needs from the booking saga (the appointments context's published contract). */
export interface BookingPort {
  getAppointment(appointmentId: string): Promise<{
    appointmentId: string; patientId: string; feePaise: number; status: string; holdExpiresAt: string | null; paymentId?: string | null;
  } | null>;
  confirmBooking(
    cmd: { appointmentId: string; paymentId: string; method: PaymentMethod; paidPaise: number },
    ctx: CommandContext,
  ): Promise<{ confirmed: true; position: number } | { confirmed: false; reason: 'hold_released' | 'paid_by_another' | 'not_pending'; position: number }>;
}

export interface PaymentsLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface PaymentsDeps {
  handler: HandlerDeps;
  reads: ReadView;
  gateway: PaymentGateway;
  wallet: WalletCommands;
  booking: BookingPort;
  mailer: Mailer;
  /** Razorpay's key secret (checkout signatures) and webhook secret. */
  secrets: { keySecret: string; webhookSecret: string };
  /** Read-your-writes: resolves once the read models have caught up with `position`. */
  waitForProjections(position: number): Promise<boolean>;
  log: PaymentsLog;
}

