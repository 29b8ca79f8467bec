import type { Request, RequestHandler } from 'express';
import { sendProblem } from './problem.js';

export type BodyType = 'application/json' | 'multipart/form-data';

/** No bytes at all (`Content-Length: 0` or none, not chunked): a route then reads its body as `{}`. */
const bodyless = (req: Request) => req.get('transfer-encoding') === undefined && Number(req.get('content-length') ?? 0) === 0;

/**
 * 415 for a body the route cannot read, naming the types it takes: without this a form-encoded or
 * text body reached the route as "no fields" and came back as a confusing per-field 400.
 */
export function acceptBody(types: readonly BodyType[]): RequestHandler {
  return (req, res, next) => {
    if (bodyless(req) || req.is([...types])) return next();
    sendProblem(res, 415, 'unsupported_media_type', `Send the body as ${types.join(' or ')}.`);
  };
}
