import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Clock } from '../../application/ports/clock.js';
import type { IdempotencyStore } from '../../application/ports/idempotencyStore.js';
import { sendProblem } from './problem.js';

/** What an Idempotency-Key may look like (also documented in the OpenAPI document). */
export const IDEMPOTENCY_KEY = /^[A-Za-z0-9_\-:.]{1,200}$/;

/**
 * The calls whose answers carry bearer tokens (a calendar feed's token is one too: it opens the feed)
 * or secrets (a webhook endpoint's signing secret, shown once).
 */
const SECRET_ANSWER_PATHS = new Set(['/api/auth/login', '/api/auth/verify-otp', '/api/doctors/me/calendar-token', '/api/admin/webhooks']);

/**
 * Answers carrying tokens or secrets must not be stored at rest for replay (the rest of
 * `/api/auth`, sign-up included, is replayed like any POST, as the contract promises). Multipart bodies
 * are not read before the route runs, so `idempotentUpload` covers them after the route's parser.
 */
function eligible(req: Request): boolean {
  // Express routes ignore case and a trailing slash, so this check must too.
  return !SECRET_ANSWER_PATHS.has(req.path.toLowerCase().replace(/\/+$/, '')) && !req.is('multipart/form-data');
}

/** Claims the request's key for its body's fingerprint, or answers a repeat; the first answer is kept. */
async function guard(store: IdempotencyStore, clock: Clock, fingerprint: string, req: Request, res: Response, next: NextFunction): Promise<void> {
  const key = req.get('idempotency-key') as string;
  if (!IDEMPOTENCY_KEY.test(key)) return sendProblem(res, 400, 'bad_idempotency_key', 'Idempotency-Key must be 1–200 characters of [A-Za-z0-9_-:.].');
  const scope = `${req.actor?.userId ?? 'anonymous'}|${req.method}|${req.baseUrl}${req.path}|${key}`;
  const claim = await store.claim(scope, fingerprint, clock.now());
  if (claim.outcome === 'mismatch') {
    return sendProblem(res, 422, 'idempotency_key_reused', 'This Idempotency-Key was already used with a different request body.');
  }
  if (claim.outcome === 'in_progress') {
    return sendProblem(res, 409, 'idempotency_in_progress', 'A request with this Idempotency-Key is still being processed.');
  }
  if (claim.outcome === 'replay') {
    res.set('Idempotent-Replayed', 'true');
    res.status(claim.response.status).type(claim.response.contentType).send(JSON.stringify(claim.response.body));
    return;
  }
  const json = res.json.bind(res);
  let body: unknown = null;
  res.json = (payload: unknown) => { body = payload; return json(payload); };
  res.on('finish', () => {
    const done = res.statusCode < 500
      ? store.complete(scope, { status: res.statusCode, body, contentType: String(res.get('content-type') ?? 'application/json') }, clock.now())
      : store.release(scope);
    done.catch((error: unknown) => req.log?.error({ err: error }, 'idempotency store failed'));
  });
  next();
}

/**
 * `Idempotency-Key` on state-changing POSTs: a repeat with the same key and body replays the first
 * answer and changes nothing; the same key with a different body is 422. Keys are scoped to the caller
 * and the route, so one client's key never collides with another's. 5xx answers are not remembered.
 */
export function idempotency(store: IdempotencyStore, clock: Clock): RequestHandler {
  return async (req, res, next) => {
    if (req.method !== 'POST' || req.get('idempotency-key') === undefined || !eligible(req)) return next();
    const fingerprint = createHash('sha256').update(req.rawBody ?? Buffer.from(JSON.stringify(req.body ?? null))).digest('hex');
    await guard(store, clock, fingerprint, req, res, next);
  };
}

/**
 * The same rule for a multipart POST, placed right after the route's multipart parser. The fingerprint
 * is taken from the parsed fields and file bytes: the raw body differs on every try by its boundary.
 */
export function idempotentUpload(store: IdempotencyStore, clock: Clock): RequestHandler {
  return async (req, res, next) => {
    if (req.method !== 'POST' || req.get('idempotency-key') === undefined || !req.is('multipart/form-data')) return next();
    const hash = createHash('sha256').update(JSON.stringify(Object.entries(req.body ?? {}).sort(([a], [b]) => a.localeCompare(b))));
    if (req.file) {
      hash.update(`\0${req.file.fieldname}\0`);
      // In memory (avatars) or spooled to disk (reports), read in chunks.
      if (req.file.buffer) hash.update(req.file.buffer);
      else for await (const chunk of createReadStream(req.file.path)) hash.update(chunk as Buffer);
    }
    await guard(store, clock, hash.digest('hex'), req, res, next);
  };
}
