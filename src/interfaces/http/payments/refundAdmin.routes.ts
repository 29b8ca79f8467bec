import { Router } from 'express';
import { z } from 'zod';
import type { Services } from '../../../infrastructure/compositionRoot.js';
import { NotFound } from '../../../domain/shared/errors.js';
import { requireRole } from '../auth.middleware.js';
import { commandContext } from '../commandContext.js';
import { documentRoute } from '../openapi.js';
import { validate } from '../validate.js';

const refundStatus = z.enum(['pending', 'failed', 'retrying', 'completed']);
const refundsQuery = z.strictObject({
  status: refundStatus.optional(),
  paymentId: z.string().min(1).max(100).optional(),
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
const refundParams = z.strictObject({ paymentId: z.string().min(1).max(100), refundId: z.string().min(1).max(300) });
const noBody = z.strictObject({});

const refundSchema = z.object({
  paymentId: z.string(), refundId: z.string(), userId: z.string(), appointmentId: z.string().nullable(),
  reason: z.enum(['cancellation', 'late_capture', 'duplicate_payment', 'extra_capture']),
  amountPaise: z.number().int(), toSourcePaise: z.number().int(), toWalletPaise: z.number().int(),
  status: refundStatus, failureReason: z.string().nullable(), gatewayRefundId: z.string().nullable(),
  issuedAt: z.string(), updatedAt: z.string(),
}).openapi('Refund');

/** Refunds for admins (`/api/admin/payments`): the ones the gateway refused, with its reason, and their retry. */
export function refundAdminRoutes(services: Services): Router {
  const router = Router();
  const { payments, projections } = services;
  const view = ({ id: _id, ...refund }: { id: string } & Record<string, unknown>) => refund;

  router.get('/api/admin/payments/refunds', requireRole('auditor', 'admin'), validate({ query: refundsQuery }), async (req, res) => {
    const query = req.valid.query as z.infer<typeof refundsQuery>;
    res.json({ items: (await payments.refunds.list(query)).map(view), page: query.page });
  });

  router.post('/api/admin/payments/:paymentId/refunds/:refundId/retry', requireRole('admin'), validate({ params: refundParams, body: noBody }),
    async (req, res) => {
      const { paymentId, refundId } = req.valid.params as z.infer<typeof refundParams>;
      const { position } = await payments.retryRefund({ paymentId, refundId }, commandContext(req));
      await projections.waitFor(position);
      const refund = await payments.refunds.get(paymentId, refundId);
      if (!refund) throw new NotFound('Refund', refundId);
      res.status(202).json(view(refund));
    });

  documentRoute({
    method: 'get', path: '/api/admin/payments/refunds', operationId: 'listRefunds', tags: ['Operations'], auth: true,
    summary: 'Refunds by status, latest change first; `failed` ones carry the gateway\'s reason',
    query: refundsQuery, responses: { 200: z.object({ items: z.array(refundSchema), page: z.number().int() }) }, errors: [400, 403],
  });
  documentRoute({
    method: 'post', path: '/api/admin/payments/{paymentId}/refunds/{refundId}/retry', operationId: 'retryRefund', tags: ['Operations'], auth: true,
    summary: 'Retry a failed refund; the gateway gets the same idempotency key, so it pays at most once',
    params: refundParams, body: noBody, responses: { 202: refundSchema }, errors: [400, 403, 404, 409],
  });
  return router;
}
