import { z } from 'zod';

const id = z.string().min(1).max(200);

export const initiateBody = z.strictObject({
  appointmentId: z.string().min(1).max(100),
  method: z.enum(['razorpay', 'wallet', 'hybrid']),
  /** Hybrid only: how much of the fee comes from the wallet (1 … fee − 1). */
  walletAmountPaise: z.number().int().positive().optional(),
});

export const verifyBody = z.strictObject({ razorpay_order_id: id, razorpay_payment_id: id, razorpay_signature: z.string().min(1).max(256) });

export const checkoutBody = z.strictObject({
  orderId: id,
  outcome: z.enum(['success', 'failure']),
  /** Simulator only: leave the webhook unsent (to exercise the verify path alone). */
  deliverWebhook: z.boolean().optional(),
});

export const razorpayOrderSchema = z.object({
  orderId: z.string(), amountPaise: z.number().int(), currency: z.literal('INR'), keyId: z.string(),
}).openapi('RazorpayOrder');

export const initiatedSchema = z.object({
  paymentId: z.string(), status: z.enum(['created', 'captured']), razorpay: razorpayOrderSchema.optional(),
}).openapi('PaymentInitiated');

export const verifiedSchema = z.object({
  status: z.literal('captured'),
  appointmentId: z.string().optional(),
  settlement: z.enum(['confirmed', 'credited', 'refunded', 'pending'])
    .openapi({ description: 'What the money bought: the booking confirmed, the wallet credited, or nothing (given back in full)' }),
  refundReason: z.enum(['late_capture', 'duplicate_payment']).optional()
    .openapi({ description: 'Why it was given back: it came after the hold lapsed, or another payment had already paid for the appointment' }),
}).openapi('PaymentVerified');

export const checkoutSchema = z.union([
  z.object({ razorpay_order_id: z.string(), razorpay_payment_id: z.string(), razorpay_signature: z.string() }),
  z.object({ error: z.object({ code: z.string(), description: z.string(), reason: z.string(), metadata: z.object({ order_id: z.string(), payment_id: z.string() }) }) }),
]).openapi('SimulatedCheckout');
