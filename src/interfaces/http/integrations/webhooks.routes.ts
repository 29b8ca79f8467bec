import { Router } from 'express';
import { z } from 'zod';
import type { Services } from '../../../infrastructure/compositionRoot.js';
import { requireRole } from '../auth.middleware.js';
import { commandContext } from '../commandContext.js';
import { documentRoute } from '../openapi.js';
import { validate } from '../validate.js';
import {
  deliveriesQuery, deliveryParams, noBody, registeredWebhookSchema, registerWebhookBody, webhookDeliverySchema, webhookEndpointSchema,
  webhookParams,
} from './webhooks.schemas.js';

/** Admins' webhook endpoints for integrators (`/api/admin/webhooks`) and their delivery logs (docs/webhooks.md). */
export function webhooksRoutes(services: Services): Router {
  const router = Router();
  const { integrations, projections } = services;
  const admin = requireRole('admin');

  router.post('/api/admin/webhooks', admin, validate({ body: registerWebhookBody }), async (req, res) => {
    const { endpointId, secret, position } = await integrations.registerEndpoint(req.valid.body as z.infer<typeof registerWebhookBody>, commandContext(req));
    await projections.waitFor(position);
    res.status(201).json({ ...await integrations.webhooks.endpoint(endpointId), secret });
  });

  router.get('/api/admin/webhooks', admin, async (_req, res) => {
    res.json({ items: await integrations.webhooks.endpoints() });
  });

  router.get('/api/admin/webhooks/:id', admin, validate({ params: webhookParams }), async (req, res) => {
    res.json(await integrations.webhooks.endpoint((req.valid.params as z.infer<typeof webhookParams>).id));
  });

  router.delete('/api/admin/webhooks/:id', admin, validate({ params: webhookParams }), async (req, res) => {
    const { position } = await integrations.removeEndpoint((req.valid.params as z.infer<typeof webhookParams>).id, commandContext(req));
    await projections.waitFor(position);
    res.status(204).end();
  });

  router.get('/api/admin/webhooks/:id/deliveries', admin, validate({ params: webhookParams, query: deliveriesQuery }), async (req, res) => {
    const { id } = req.valid.params as z.infer<typeof webhookParams>;
    res.json(await integrations.webhooks.deliveries(id, req.valid.query as z.infer<typeof deliveriesQuery>));
  });

  router.post('/api/admin/webhooks/:id/deliveries/:deliveryId/redeliver', admin, validate({ params: deliveryParams, body: noBody }), async (req, res) => {
    const { id, deliveryId } = req.valid.params as z.infer<typeof deliveryParams>;
    const { position } = await integrations.redeliver(id, deliveryId, commandContext(req));
    await projections.waitFor(position);
    res.status(202).json(await integrations.webhooks.delivery(id, deliveryId));
  });

  const common = { tags: ['Integrations'], auth: true };
  documentRoute({
    ...common, method: 'post', path: '/api/admin/webhooks', operationId: 'registerWebhookEndpoint',
    summary: 'Register an endpoint for signed event deliveries; the answer carries its secret, shown only this once',
    body: registerWebhookBody, responses: { 201: registeredWebhookSchema }, errors: [400, 403],
    // The answer carries the secret, which must not be kept at rest for replay.
    idempotent: false,
  });
  documentRoute({
    ...common, method: 'get', path: '/api/admin/webhooks', operationId: 'listWebhookEndpoints', summary: 'The registered endpoints, oldest first',
    responses: { 200: z.object({ items: z.array(webhookEndpointSchema) }) }, errors: [403],
  });
  documentRoute({
    ...common, method: 'get', path: '/api/admin/webhooks/{id}', operationId: 'getWebhookEndpoint', summary: 'One endpoint',
    params: webhookParams, responses: { 200: webhookEndpointSchema }, errors: [403, 404],
  });
  documentRoute({
    ...common, method: 'delete', path: '/api/admin/webhooks/{id}', operationId: 'removeWebhookEndpoint',
    summary: 'Remove an endpoint: nothing more is sent to it, waiting retries included',
    params: webhookParams, responses: { 204: null }, errors: [403, 404, 409],
  });
  documentRoute({
    ...common, method: 'get', path: '/api/admin/webhooks/{id}/deliveries', operationId: 'listWebhookDeliveries',
    summary: 'The endpoint\'s delivery log, newest first: every attempt with its status code or error, and when the next is due',
    params: webhookParams, query: deliveriesQuery,
    responses: { 200: z.object({ items: z.array(webhookDeliverySchema), page: z.number().int(), total: z.number().int() }) }, errors: [403, 404],
  });
  documentRoute({
    ...common, method: 'post', path: '/api/admin/webhooks/{id}/deliveries/{deliveryId}/redeliver', operationId: 'redeliverWebhook',
    summary: 'Send a delivery again now, under the same delivery id; its retry schedule starts over',
    params: deliveryParams, body: noBody, responses: { 202: webhookDeliverySchema }, errors: [403, 404],
  });
  return router;
}
