import { z } from 'zod';
import '../openapi.js'; // extends zod with .openapi() before the schemas below use it
import { WEEKDAYS } from '../../../domain/scheduling/availability.js';

const HHMM = /^(([01]\d|2[0-3]):[0-5]\d|24:00)$/;
/**
 * An ISO-8601 instant with an offset (seconds optional, as ISO-8601 allows), normalised to UTC so it
 * compares with stored times.
 */
export const instant = z.union([z.iso.datetime({ offset: true }), z.iso.datetime({ offset: true, precision: -1 })])
  .transform((v) => new Date(v).toISOString())
  // Both branches are date-times (with or without seconds); one schema says so without a duplicate `anyOf`.
  .openapi({ type: 'string', format: 'date-time' });

export const doctorIdParams = z.strictObject({ doctorId: z.string().min(1).max(100) });
export const slotIdParams = z.strictObject({ slotId: z.string().min(1).max(200) });

export const doctorSearchQuery = z.strictObject({
  specialization: z.string().trim().min(1).max(100).optional(),
  q: z.string().trim().max(100).optional(),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export const availabilityBody = z.strictObject({
  timezone: z.string().min(1).max(64).openapi({ example: 'Asia/Kolkata' }),
  slotMinutes: z.number().int().min(5).max(480).openapi({ example: 30 }),
  days: z.number().int().min(1).max(90).openapi({ example: 7 }),
  weekly: z.array(z.strictObject({
    day: z.enum(WEEKDAYS),
    start: z.string().regex(HHMM, 'a time "HH:MM"').openapi({ example: '09:00' }),
    end: z.string().regex(HHMM, 'a time "HH:MM"').openapi({ example: '13:00' }),
  })).min(1).max(100),
});

export const slotsQuery = z.strictObject({
  from: instant.optional(),
  to: instant.optional(),
  status: z.enum(['available', 'held', 'booked']).optional(),
});

export const doctorSchema = z.object({
  doctorId: z.string(), id: z.string(), name: z.string(), avatarUrl: z.string().nullable(), specialization: z.string(),
  feePaise: z.number().int(), experienceYears: z.number(), bio: z.string(), timezone: z.string(),
}).openapi('Doctor');

export const slotSchema = z.object({
  slotId: z.string(), doctorId: z.string(), start: z.string(), end: z.string(), feePaise: z.number().int(),
  status: z.enum(['available', 'held', 'booked']),
}).openapi('Slot');
