import { z } from 'zod';
import { anyObject } from '../openapi.js';
import { instant } from '../scheduling/scheduling.schemas.js';

const STATUSES = ['pending_payment', 'confirmed', 'expired', 'cancelled', 'completed', 'missed'] as const;

export const appointmentIdParams = z.strictObject({ id: z.string().min(1).max(100) });
export const bookBody = z.strictObject({ slotId: z.string().min(1).max(200) });
export const rescheduleBody = z.strictObject({ newSlotId: z.string().min(1).max(200) });
export const cancelBody = z.strictObject({ reason: z.string().trim().max(500).optional() });
export const emptyBody = z.strictObject({});
/** Paged like `/api/doctors`; the default page of 500 is what the list answered before it had pages. */
export const listQuery = z.strictObject({
  status: z.enum(STATUSES).optional(), from: instant.optional(), to: instant.optional(),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  limit: z.coerce.number().int().min(1).max(500).default(500),
});

export const bookedSchema = z.object({
  appointmentId: z.string(), status: z.literal('pending_payment'), slotId: z.string(), holdExpiresAt: z.string(), feePaise: z.number().int(),
}).openapi('BookingHeld');

export const appointmentSchema = z.object({
  appointmentId: z.string(), patientId: z.string(), doctorId: z.string(), slotId: z.string(), start: z.string(), end: z.string(),
  feePaise: z.number().int(), status: z.enum(STATUSES), holdExpiresAt: z.string().optional(),
  payment: z.object({ paymentId: z.string(), method: z.string(), paidPaise: z.number().int() }).optional(),
  cancelledBy: z.string().optional(),
  refund: z.object({ amountPaise: z.number().int(), destination: z.enum(['wallet', 'source']) }).nullable().optional(),
}).openapi('Appointment');

export const refundSchema = z.object({ amountPaise: z.number().int(), destination: z.enum(['wallet', 'source']) }).nullable();

export const historySchema = z.object({
  events: z.array(z.object({
    position: z.number().int(), revision: z.number().int(), type: z.string(), data: anyObject,
    metadata: z.object({
      actor: z.object({ userId: z.string(), role: z.string() }), at: z.string(), correlationId: z.string(), causationId: z.string().nullable(),
    }),
  })),
}).openapi('History');
