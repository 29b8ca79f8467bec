import { Router } from 'express';
import { z } from 'zod';
import type { Services } from '../../../infrastructure/compositionRoot.js';
import { NotFound } from '../../../domain/shared/errors.js';
import { requireRole } from '../auth.middleware.js';
import { documentRoute, type RouteDoc } from '../openapi.js';
import { validate } from '../validate.js';

const count = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const size = z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const headsQuery = z.strictObject({ after: count.default(0), limit: z.coerce.number().int().min(1).max(500).default(100) });
const consistencyQuery = z.strictObject({ from: size, to: size });
const inclusionQuery = z.strictObject({ position: size, size: size.optional() });

const hash = z.string().regex(/^[0-9a-f]{64}$/);
const headSchema = z.object({
  size: z.number().int(), rootHash: hash, signedAt: z.string(),
  signature: z.string().describe('Ed25519 signature (base64) of the canonical head encoding (docs/audit-ledger.md)'),
  publicKey: z.string().describe('base64 of the signer\'s SPKI DER public key'),
}).openapi('SignedTreeHead');
const consistencySchema = z.object({ from: z.number().int(), to: z.number().int(), proof: z.array(hash) }).openapi('ConsistencyProof');
const inclusionSchema = z.object({ leafIndex: z.number().int(), treeSize: z.number().int(), leafHash: hash, proof: z.array(hash) }).openapi('InclusionProof');

/** The signed ledger over every event (`/api/audit/checkpoints`, `/api/audit/proofs`), for auditors and admins. */
export function ledgerRoutes(services: Services): Router {
  const router = Router();
  const ledger = services.ledger.queries;
  const staff = requireRole('auditor', 'admin');

  router.get('/api/audit/checkpoints/latest', staff, async (_req, res) => {
    const head = await ledger.latestHead();
    if (!head) throw new NotFound('Signed tree head');
    res.json(head);
  });

  router.get('/api/audit/checkpoints', staff, validate({ query: headsQuery }), async (req, res) => {
    res.json({ items: await ledger.heads(req.valid.query as z.infer<typeof headsQuery>) });
  });

  router.get('/api/audit/proofs/consistency', staff, validate({ query: consistencyQuery }), async (req, res) => {
    const { from, to } = req.valid.query as z.infer<typeof consistencyQuery>;
    res.json(await ledger.consistencyProof(from, to));
  });

  router.get('/api/audit/proofs/inclusion', staff, validate({ query: inclusionQuery }), async (req, res) => {
    const { position, size: treeSize } = req.valid.query as z.infer<typeof inclusionQuery>;
    res.json(await ledger.inclusionProof(position, treeSize));
  });

  const doc = (operationId: string, path: string, summary: string, { response, ...extra }: Pick<RouteDoc, 'query' | 'errors'> & { response: z.ZodType }) =>
    documentRoute({ method: 'get', path, operationId, tags: ['Audit'], summary, auth: true, responses: { 200: response }, ...extra });
  doc('getLatestCheckpoint', '/api/audit/checkpoints/latest', 'The newest signed tree head of the ledger (404 before the first)', { response: headSchema, errors: [403, 404] });
  doc('listCheckpoints', '/api/audit/checkpoints', 'Signed tree heads with size > after, smallest first', {
    query: headsQuery, response: z.object({ items: z.array(headSchema) }), errors: [400, 403],
  });
  doc('getConsistencyProof', '/api/audit/proofs/consistency', 'Proof that the tree of `to` leaves extends the tree of `from` leaves (RFC 6962)', {
    query: consistencyQuery, response: consistencySchema, errors: [400, 403],
  });
  doc('getInclusionProof', '/api/audit/proofs/inclusion', 'Proof that the event at a global position is in the tree of `size` leaves (default: the latest signed head)', {
    query: inclusionQuery, response: inclusionSchema, errors: [400, 403, 404],
  });
  return router;
}
