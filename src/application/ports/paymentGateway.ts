/**
 * The payment gateway (Razorpay, or the local simulator that speaks its protocol). Amounts are paise.
 */
export interface GatewayOrder {
  orderId: string;
  amountPaise: number;
  currency: 'INR';
}

export type GatewayPaymentStatus = 'created' | 'authorized' | 'captured' | 'refunded' | 'failed';

export interface GatewayPayment {
  gatewayPaymentId: string;
  orderId: string;
  amountPaise: number;
  status: GatewayPaymentStatus;
}

export interface PaymentGateway {
  /** The public key id the browser's checkout needs. */
  readonly keyId: string;
  /** `receipt` is our payment id; `notes` travel back in webhooks. */
  createOrder(order: { amountPaise: number; currency: 'INR'; receipt: string; notes: Record<string, string> }): Promise<GatewayOrder>;
  /** The gateway's own record of a payment, to check what a browser claims against it. */
  fetchPayment(gatewayPaymentId: string): Promise<GatewayPayment>;
  /** Same `idempotencyKey` → the same refund, never a second one. */
  refund(gatewayPaymentId: string, amountPaise: number, idempotencyKey: string): Promise<{ gatewayRefundId: string }>;
}
