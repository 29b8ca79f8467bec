import { Router } from 'express';
import { z } from 'zod';
import type { Services } from '../../../infrastructure/compositionRoot.js';
import { requireRole } from '../auth.middleware.js';
import { commandContext } from '../commandContext.js';
import { documentRoute } from '../openapi.js';
import { validate } from '../validate.js';
import { checkoutBody, checkoutSchema, initiateBody, initiatedSchema, verifiedSchema, verifyBody } from './payments.schemas.js';

/** `/api/payments`: initiate, the browser's proof (verify) and the gateway's webhook. */
export function paymentsRoutes(services: Services): Router {
  const router = Router();
  const { payments, projections } = services;

  router.post('/api/payments/initiate', requireRole('patient'), validate({ body: initiateBody }), async (req, res) => {
    const { position, paymentId, status, razorpay } = await payments.initiate(req.valid.body as z.infer<typeof initiateBody>, commandContext(req));
    await projections.waitFor(position);
    res.status(201).json({ paymentId, status, ...(razorpay ? { razorpay } : {}) });
  });

  router.post('/api/payments/verify', validate({ body: verifyBody }), async (req, res) => {
    const { position, appointmentId, settlement, refundReason } = await payments.verify(req.valid.body as z.infer<typeof verifyBody>, commandContext(req));
    await projections.waitFor(position);
    res.json({ status: 'captured', ...(appointmentId ? { appointmentId } : {}), settlement, ...(refundReason ? { refundReason } : {}) });
  });

  // Signed over the exact bytes Razorpay sent (kept by the JSON parser); the work runs after the answer.
  router.post('/api/payments/webhook', async (req, res) => {
    await payments.acceptWebhook(req.rawBody, req.get('x-razorpay-signature'), req.get('x-razorpay-event-id'), commandContext(req));
    res.json({ received: true });
  });

  documentRoute({
    method: 'post', path: '/api/payments/initiate', operationId: 'initiatePayment', tags: ['Payments'], auth: true,
    summary: 'Pay for a held appointment: razorpay (order), wallet (captured at once) or hybrid',
    body: initiateBody, responses: { 201: initiatedSchema }, errors: [400, 402, 403, 404, 409, 503],
  });
  documentRoute({
    method: 'post', path: '/api/payments/verify', operationId: 'verifyPayment', tags: ['Payments'], summary: 'Complete a checkout with the signed fields Razorpay hands the browser',
    body: verifyBody, responses: { 200: verifiedSchema }, errors: [400, 404, 409, 503],
  });
  documentRoute({
    method: 'post', path: '/api/payments/webhook', operationId: 'receivePaymentWebhook', tags: ['Payments'], summary: 'Razorpay webhook (raw body, X-Razorpay-Signature); duplicates ignored',
    responses: { 200: z.object({ received: z.literal(true) }) }, errors: [400, 413],
  });
  return router;
}

/** The local gateway's checkout page, as an API call; mounted only when the simulator stands in for Razorpay. */
export function razorpaySimulatorRoutes(services: Services): Router {
  const router = Router();
  const simulator = services.razorpaySimulator;
  if (!simulator) return router;
  router.post('/api/dev/razorpay/checkout', validate({ body: checkoutBody }), (req, res) => {
    const { orderId, outcome, deliverWebhook } = req.valid.body as z.infer<typeof checkoutBody>;
    res.json(simulator.checkout(orderId, outcome, { deliverWebhook }));
  });
  documentRoute({
    method: 'post', path: '/api/dev/razorpay/checkout', operationId: 'simulateCheckout', tags: ['Development'],
    summary: 'Simulated Razorpay checkout: pays or fails an order, answers what the browser gets, sends the webhook',
    body: checkoutBody, responses: { 200: checkoutSchema }, errors: [400, 404, 409],
  });
  return router;
}
