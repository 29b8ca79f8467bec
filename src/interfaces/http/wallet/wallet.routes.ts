import { Router } from 'express';
import { z } from 'zod';
import type { Services } from '../../../infrastructure/compositionRoot.js';
import { requireAuth, requireRole } from '../auth.middleware.js';
import { commandContext } from '../commandContext.js';
import { documentRoute } from '../openapi.js';
import { validate } from '../validate.js';
import { razorpayOrderSchema } from '../payments/payments.schemas.js';

const transactionsQuery = z.strictObject({
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
/** ₹1 (the gateway's minimum) to ₹1,00,000 per top-up. */
const topUpBody = z.strictObject({ amountPaise: z.number().int().min(100).max(10_000_000) });

const walletSchema = z.object({ balancePaise: z.number().int(), reservedPaise: z.number().int(), availablePaise: z.number().int() }).openapi('Wallet');
const transactionsSchema = z.object({
  items: z.array(z.object({
    transactionId: z.string(), kind: z.enum(['credit', 'debit', 'reservation', 'release']), reason: z.string().nullable(),
    amountPaise: z.number().int(), paymentId: z.string().nullable(), at: z.string(),
  })),
  page: z.number().int(),
  total: z.number().int(),
}).openapi('WalletTransactions');
const topUpSchema = z.object({ paymentId: z.string(), razorpay: razorpayOrderSchema }).openapi('WalletTopUp');

/** `/api/wallet`: the signed-in user's own wallet. */
export function walletRoutes(services: Services): Router {
  const router = Router();
  const { wallet, payments, projections } = services;

  router.get('/api/wallet', requireAuth, async (req, res) => {
    res.json(await wallet.wallet(req.actor!.userId));
  });

  router.get('/api/wallet/transactions', requireAuth, validate({ query: transactionsQuery }), async (req, res) => {
    const { page, limit } = req.valid.query as z.infer<typeof transactionsQuery>;
    res.json(await wallet.transactions(req.actor!.userId, page, limit));
  });

  router.post('/api/wallet/topup', requireRole('patient'), validate({ body: topUpBody }), async (req, res) => {
    const { position, paymentId, razorpay } = await payments.topUp(req.valid.body as z.infer<typeof topUpBody>, commandContext(req));
    await projections.waitFor(position);
    res.status(201).json({ paymentId, razorpay });
  });

  documentRoute({ method: 'get', path: '/api/wallet', operationId: 'getWallet', tags: ['Wallet'], auth: true, summary: 'Balance, reserved and available (paise)', responses: { 200: walletSchema } });
  documentRoute({
    method: 'get', path: '/api/wallet/transactions', operationId: 'listWalletTransactions', tags: ['Wallet'], auth: true, summary: 'Wallet ledger, newest first, 20 a page unless `limit` says otherwise',
    query: transactionsQuery, responses: { 200: transactionsSchema }, errors: [400],
  });
  documentRoute({
    method: 'post', path: '/api/wallet/topup', operationId: 'topUpWallet', tags: ['Wallet'], auth: true, summary: 'Top up through a gateway order, completed by /api/payments/verify',
    body: topUpBody, responses: { 201: topUpSchema }, errors: [400, 403, 503],
  });
  return router;
}
