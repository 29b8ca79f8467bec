import { z } from 'zod';
import { subscriptionPatterns } from '../../../domain/integrations/integrationEvents.js';

const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;

const webhookUrl = z.url({ protocol: /^https?$/, error: 'an http or https URL' }).max(2000);

export const registerWebhookBody = z.strictObject({
  url: webhookUrl,
  events: z.array(z.enum(subscriptionPatterns as [string, ...string[]])).min(1).max(subscriptionPatterns.length),
  /** Trusted endpoints receive names, free-text reasons and clinical findings; others ids, statuses, times and amounts. */
  trusted: z.boolean().default(false),
});
export const webhookParams = z.strictObject({ id: z.string().min(1).max(100) });
export const deliveryParams = z.strictObject({ id: z.string().min(1).max(100), deliveryId: z.string().min(1).max(100) });
export const deliveriesQuery = z.strictObject({
  status: z.enum(DELIVERY_STATUSES).optional(),
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export const noBody = z.strictObject({});

export const webhookEndpointSchema = z.object({
  id: z.string(), url: z.string(), events: z.array(z.string()), trusted: z.boolean(), createdAt: z.string(),
}).openapi('WebhookEndpoint');

export const registeredWebhookSchema = webhookEndpointSchema.extend({
  secret: z.string().openapi({ description: 'The signing secret; shown only in this answer.' }),
}).openapi('RegisteredWebhookEndpoint');

export const webhookDeliverySchema = z.object({
  id: z.string().openapi({ description: 'Sent as X-HealthVision-Delivery; the same on every attempt and redelivery.' }),
  endpointId: z.string(), eventType: z.string(), eventId: z.string(), occurredAt: z.string(),
  status: z.enum(DELIVERY_STATUSES),
  attempts: z.array(z.object({
    attempt: z.number().int(), at: z.string(), statusCode: z.number().int().nullable(), error: z.string().nullable(), succeeded: z.boolean(),
  })),
  nextAttemptAt: z.string().nullable(), createdAt: z.string(), updatedAt: z.string(),
}).openapi('WebhookDelivery');
